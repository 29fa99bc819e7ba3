package audit

// Summarizer turns the rows of one object type into words for the audit
// page: the object's name (an event's number rather than its id) and a
// summary of the detail in lang, with every code named (a state's name, not
// "handled→closed"). An empty answer leaves the row as it is.
type Summarizer func(lang string, e Entry) (name, summary string)

// Summarize registers the summarizer of an object type; the room that owns
// the objects registers it once, when it is built.
func (l *Log) Summarize(objectType string, f Summarizer) {
	l.sumMu.Lock()
	defer l.sumMu.Unlock()
	if l.summarizers == nil {
		l.summarizers = map[string]Summarizer{}
	}
	l.summarizers[objectType] = f
}

// Describe fills the object name and summary of rows for display in lang.
// They are not part of the row: the chain covers what was recorded, and
// the words are made at reading time.
func (l *Log) Describe(lang string, rows []Entry) {
	l.sumMu.Lock()
	defer l.sumMu.Unlock()
	for i := range rows {
		if f := l.summarizers[rows[i].ObjectType]; f != nil {
			rows[i].ObjectName, rows[i].Summary = f(lang, rows[i])
		}
	}
}
