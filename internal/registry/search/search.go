// Package search is the registers' Chinese full-text search: it cuts
// text into tokens, keeps each record's entry in search_index, and finds
// the records holding every word of a query within the caller's areas. The
// registers (package registry) write the entries and serve the search.
package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Chinese search works the same on SQLite and PostgreSQL because the
// segmentation happens here, not in the database: Chinese text is cut into
// overlapping two-character words (bigrams, as Lucene's CJK analyzer does)
// plus single characters, Latin letters and digits into lower-case words.
// The database indexes the space-separated tokens with its plain tokenizer
// (FTS5 unicode61, PostgreSQL's 'simple' tsvector), and a query matches when
// every token of the query is present. A bigram index needs no dictionary,
// finds partial words ("建设" in "建设大道") and never misses a name that a
// dictionary would have cut differently.

// tokens segments text for the index: every character and every bigram of
// each Chinese run, and every Latin/digit word.
func tokens(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, run := range runs(text) {
		if !run.han {
			add(run.text)
			continue
		}
		rs := []rune(run.text)
		for i := range rs {
			add(string(rs[i]))
			if i+1 < len(rs) {
				add(string(rs[i : i+2]))
			}
		}
	}
	return out
}

// QueryTokens segments a query: bigrams of each Chinese run (its single
// character when the run is one character long), and Latin/digit words.
// A record matches when its index holds every one of them.
func QueryTokens(q string) []string {
	var out []string
	for _, run := range runs(q) {
		rs := []rune(run.text)
		switch {
		case !run.han:
			out = append(out, run.text)
		case len(rs) == 1:
			out = append(out, run.text)
		default:
			for i := 0; i+1 < len(rs); i++ {
				out = append(out, string(rs[i:i+2]))
			}
		}
	}
	return out
}

type run struct {
	text string
	han  bool
}

// runs splits text into runs of Han characters and of Latin letters and
// digits; everything else separates runs.
func runs(text string) []run {
	var out []run
	var cur []rune
	curHan := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, run{string(cur), curHan})
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.Is(unicode.Han, r):
			if !curHan {
				flush()
			}
			curHan = true
			cur = append(cur, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if curHan {
				flush()
			}
			curHan = false
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// Index writes (or replaces) the search entry of one record: its type,
// id, area path, the title a hit shows, and the text it is found by.
func Index(ctx context.Context, tx db.Querier, recordType, id, path, title string, text ...string) error {
	toks := tokens(strings.Join(text, " "))
	_, err := tx.ExecContext(ctx, `INSERT INTO search_index (record_type, record_id, path, title, tokens) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (record_type, record_id) DO UPDATE SET path = excluded.path, title = excluded.title, tokens = excluded.tokens`,
		recordType, id, path, title, strings.Join(toks, " "))
	return err
}

// Unindex removes the search entry of one record.
func Unindex(ctx context.Context, tx db.Querier, recordType, id string) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM search_index WHERE record_type = ? AND record_id = ?", recordType, id)
	return err
}

// Hit is one search result.
type Hit struct {
	Type  string `json:"type"` // person, household, house, unit, address
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Find returns the records in the subtrees of paths whose text holds every
// word of q, at most limit of them (1 to 500), sorted by type and title.
func Find(ctx context.Context, d *db.DB, paths []string, q string, limit int) ([]Hit, error) {
	toks := QueryTokens(q)
	if len(toks) == 0 {
		return []Hit{}, nil
	}
	if len(toks) > 32 {
		toks = toks[:32]
	}
	scope, args := authz.ScopeSQL("si.path", paths)
	// The first matches in index order, not all of them sorted: a common
	// word ("建设") matches a million people, and sorting them all would
	// take seconds. The page is sorted below.
	quote, and := `"`, " AND "
	query := `SELECT si.record_type, si.record_id, si.title FROM search_fts f JOIN search_index si ON si.rowid = f.rowid
		WHERE search_fts MATCH ? AND ` + scope + ` LIMIT ?`
	if d.Dialect == db.Postgres {
		quote, and = "'", " & "
		query = `SELECT si.record_type, si.record_id, si.title FROM search_index si
			WHERE to_tsvector('simple', si.tokens) @@ to_tsquery('simple', ?) AND ` + scope + ` LIMIT ?`
	}
	quoted := make([]string, len(toks))
	for i, t := range toks {
		quoted[i] = quote + t + quote
	}
	args = append([]any{strings.Join(quoted, and)}, args...)
	args = append(args, limit)
	rows, err := d.Reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Hit{}
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.Type, &h.ID, &h.Title); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b Hit) int { return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Title, b.Title)) })
	return out, rows.Err()
}
