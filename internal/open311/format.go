package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
)

// The GeoReport v2 documents are written from one ordered tree, so the XML
// and the JSON (its Spark-convention mapping) cannot drift apart:
//
//   - obj is an element with children in order (a JSON object);
//   - list is an element holding repeated items (a JSON array);
//   - a string, bool, int or float64 is an element's text (a JSON scalar);
//   - nil is an empty element in XML and null in JSON;
//   - absent{} is left out of XML and null in JSON (the position of an
//     address-only report, which the XML has always left out).

type kv struct {
	k string
	v any
}

type obj []kv

type absent struct{}

type list struct {
	item  string // the element name of each item in XML
	elems []any
}

// Formats served: the spec requires XML; JSON is offered too.
const (
	xmlType  = "text/xml; charset=utf-8"
	jsonType = "application/json; charset=utf-8"
)

// write answers the document root (an element named name) in format f.
func write(w http.ResponseWriter, f string, status int, name string, root any) {
	var b bytes.Buffer
	if f == "json" {
		w.Header().Set("Content-Type", jsonType)
		writeJSON(&b, root)
		b.WriteByte('\n')
	} else {
		w.Header().Set("Content-Type", xmlType)
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
		writeXML(&b, name, root, 0)
	}
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func writeXML(b *bytes.Buffer, name string, v any, depth int) {
	if _, ok := v.(absent); ok {
		return
	}
	indent := func(d int) {
		for range d {
			b.WriteString("  ")
		}
	}
	indent(depth)
	switch v := v.(type) {
	case nil:
		b.WriteString("<" + name + "></" + name + ">\n")
	case obj:
		b.WriteString("<" + name + ">\n")
		for _, c := range v {
			writeXML(b, c.k, c.v, depth+1)
		}
		indent(depth)
		b.WriteString("</" + name + ">\n")
	case list:
		b.WriteString("<" + name + ">\n")
		for _, e := range v.elems {
			writeXML(b, v.item, e, depth+1)
		}
		indent(depth)
		b.WriteString("</" + name + ">\n")
	default:
		b.WriteString("<" + name + ">")
		xml.EscapeText(b, []byte(scalar(v)))
		b.WriteString("</" + name + ">\n")
	}
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	panic("open311: unsupported value")
}

func writeJSON(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil, absent:
		b.WriteString("null")
	case obj:
		b.WriteByte('{')
		for i, c := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, c.k)
			b.WriteByte(':')
			writeJSON(b, c.v)
		}
		b.WriteByte('}')
	case list:
		b.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case string:
		writeString(b, v)
	default:
		b.WriteString(scalar(v))
	}
}

func writeString(b *bytes.Buffer, s string) {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	b.Write(bytes.TrimSuffix(out.Bytes(), []byte("\n")))
}

// opt is s, or nil (an empty element, JSON null) when s is empty: the
// spec's examples show unknown optional values that way.
func opt(s string) any {
	if s == "" {
		return nil
	}
	return s
}
