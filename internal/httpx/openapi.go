package httpx

import (
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// OpenAPI builds the OpenAPI 3.1 document of the route table. Schemas come
// from the Go types of each route's body by reflection, so the document
// cannot drift from the code.
func (rt *Router) OpenAPI(title, version string) map[string]any {
	s := &schemas{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	pathParam := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, r := range rt.routes {
		op := map[string]any{
			"summary":     r.Summary,
			"operationId": strings.ToLower(r.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_").Replace(r.Path),
			"tags":        []string{r.Tag},
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, p := range r.Params {
			typ := p.Type
			if typ == "" {
				typ = "string"
			}
			params = append(params, map[string]any{"name": p.Name, "in": p.In, "required": p.Required,
				"description": p.Desc, "schema": map[string]any{"type": typ}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.In != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": s.of(reflect.TypeOf(r.In))}}}
		}
		resp := map[string]any{}
		okStatus := "200"
		if r.Status != 0 {
			okStatus = strconv.Itoa(r.Status)
		}
		switch {
		case r.Out != nil:
			ct := r.OutType
			if ct == "" {
				ct = "application/json"
			}
			resp[okStatus] = map[string]any{"description": "OK", "content": map[string]any{ct: map[string]any{"schema": s.of(reflect.TypeOf(r.Out))}}}
		default:
			resp["204"] = map[string]any{"description": "No content"}
		}
		resp["default"] = map[string]any{"description": "Error", "content": map[string]any{
			"application/problem+json": map[string]any{"schema": s.of(reflect.TypeOf(Problem{}))}}}
		op["responses"] = resp
		if !r.Public {
			op["security"] = []map[string]any{{"session": []string{}}}
			if r.Perm != "" {
				op["x-permission"] = string(r.Perm)
			}
			if r.Access != "" {
				op["x-access"] = r.Access
			}
		}
		if paths[r.Path] == nil {
			paths[r.Path] = map[string]any{}
		}
		paths[r.Path][strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": title, "version": version},
		"paths":   paths,
		"components": map[string]any{
			"schemas": s.defs,
			"securitySchemes": map[string]any{"session": map[string]any{
				"type": "apiKey", "in": "cookie", "name": "gridgov_session",
				"description": "Session cookie set by POST /api/v1/auth/login. Unsafe methods also need the X-CSRF-Token header."}},
		},
	}
}

type schemas struct{ defs map[string]any }

func (s *schemas) of(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string"}
		}
		return map[string]any{"type": "array", "items": s.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": s.of(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "RawMessage" {
			return map[string]any{}
		}
		if t.Name() == "" { // an anonymous struct: inline
			return s.object(t)
		}
		name := schemaName(t)
		if _, ok := s.defs[name]; !ok {
			s.defs[name] = map[string]any{} // break cycles
			s.defs[name] = s.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (s *schemas) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				walk(f.Type)
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = s.of(f.Type)
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
	}
	walk(t)
	sort.Strings(required)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func schemaName(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 { // generic: items[pkg.T] → ItemsT
		arg := n[i+1 : len(n)-1]
		arg = arg[strings.LastIndexAny(arg, "./")+1:]
		n = strings.ToUpper(n[:1]) + n[1:i] + arg
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + n
}
