package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// A Profile is a parsed site profile: one YAML document, in one of two
// forms.
//
// A single site is a mapping of settings:
//
//	name: rgb
//	inputs: [D:/exports/rgb]
//	db: postgres://loader@db.example:5432/mes?sslmode=verify-full
//	password_file: /run/secrets/siftload-db
//
// Several sites are a "sites:" list of such mappings, each with its own
// name. Settings beside the list apply to every site that does not set
// them itself:
//
//	workers: 4
//	sites:
//	  - name: rgb
//	    inputs: [D:/exports/rgb]
//	    db: sqlite:rgb.db
//	  - name: cmy
//	    inputs: [D:/exports/cmy]
//	    db: sqlite:cmy.db
//
// A site's plan is NAME.plan.csv unless out is set. Keys are exact: an
// unknown key, a value of the wrong type, a duplicate key, a second
// document and any key that looks like a password are errors that give
// the line and column. A key with no value (workers:) is not set.
type Profile struct {
	// Path is the file name the profile was read from (for messages).
	Path string
	// Sites holds every site with the settings beside a sites: list
	// merged in; the origins give the lines of the values.
	Sites []Layer
	// List reports whether the profile has a sites: list.
	List bool
}

// document is the shape strict decoding checks the file against.
type document struct {
	Settings `yaml:",inline"`
	Sites    []Settings `yaml:"sites"`
}

const keySites = "sites"

// MaxProfileBytes caps the size of a profile.
const MaxProfileBytes = 16 << 20

// Load reads and parses the profile in path. Only a regular file of at
// most MaxProfileBytes is read: a device, a FIFO or a directory is refused
// before it is opened, so a read never waits for ever nor fills memory.
func Load(path string) (*Profile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read profile: %s is not a regular file (%s)", path, fi.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read profile: %s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxProfileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	if len(b) > MaxProfileBytes {
		return nil, fmt.Errorf("read profile: %s has more than %d bytes: no profile", path, MaxProfileBytes)
	}
	return Parse(path, b)
}

// Parse parses a profile; name is its file name, for messages. Errors are
// *Error values that give the file, line and column, and name the key; they
// never quote the profile's text, so a secret written in it is not
// repeated.
func Parse(name string, data []byte) (*Profile, error) {
	whole := func(format string, args ...any) error {
		return &Error{Origin: Origin{Kind: FromFile, Name: name}, Msg: fmt.Sprintf(format, args...)}
	}
	if !utf8.Valid(data) {
		return nil, whole("the profile is not UTF-8 text")
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(name, err, nil)
	}
	var docs []*ast.DocumentNode
	for _, d := range file.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	switch {
	case len(docs) == 0:
		return nil, whole("the profile is empty")
	case len(docs) > 1:
		return nil, &Error{Origin: posOrigin(name, docs[1].Body.GetToken()),
			Msg: "a profile is one YAML document: put several sites in a sites: list"}
	}
	idx := indexEntries(docs[0].Body)
	if idx.tag != nil {
		return nil, &Error{Origin: posOrigin(name, idx.tag), Msg: "a profile has no YAML tags (!...): write the value alone"}
	}
	if e := idx.secret(); e != nil {
		return nil, &Error{Origin: posOrigin(name, e.keyTok),
			Msg: fmt.Sprintf("%q: a password does not belong in a profile: remove it, and %s", e.key, PasswordHelp)}
	}

	var (
		doc     document
		present map[string]any
	)
	if err := decode(data, &doc, &present); err != nil {
		return nil, yamlError(name, err, idx)
	}

	p := &Profile{Path: name}
	top := newFileLayer(name, doc.Settings, present, idx.top)
	rawSites, list := present[keySites]
	if !list {
		if err := finishSite(&top); err != nil {
			return nil, err
		}
		p.Sites = []Layer{top}
		return p, nil
	}
	p.List = true
	sitesOrigin := posOrigin(name, idx.sitesTok)
	if top.Has(KeyName) {
		return nil, &Error{Origin: top.Origins[KeyName], Key: KeyName, Msg: "with a sites: list, each site has its own name"}
	}
	raw, _ := rawSites.([]any)
	if len(doc.Sites) == 0 || len(raw) != len(doc.Sites) {
		return nil, &Error{Origin: sitesOrigin, Key: keySites, Msg: "want a list of sites, each a mapping with a name"}
	}
	names := map[string]bool{}
	for i, s := range doc.Sites {
		keys, _ := raw[i].(map[string]any)
		var entries map[string]*entry
		if i < len(idx.sites) {
			entries = idx.sites[i]
		}
		site := Merge(top, newFileLayer(name, s, keys, entries))
		if !site.Has(KeyName) {
			o := sitesOrigin
			if i < len(idx.siteToks) {
				o = posOrigin(name, idx.siteToks[i])
			}
			return nil, &Error{Origin: o, Key: KeyName, Msg: fmt.Sprintf("site %d of the list has no name", i+1)}
		}
		if names[site.Name] {
			return nil, &Error{Origin: site.Origins[KeyName], Key: KeyName, Msg: fmt.Sprintf("two sites are named %q", site.Name)}
		}
		names[site.Name] = true
		if err := finishSite(&site); err != nil {
			return nil, err
		}
		p.Sites = append(p.Sites, site)
	}
	return p, nil
}

// errLibrary stands for a panic of the YAML library, which fuzzing has
// seen on odd input.
var errLibrary = errors.New("the profile is no valid YAML")

// decode decodes data strictly into doc, and into present to see which
// keys it holds. A panic of the YAML library becomes errLibrary.
func decode(data []byte, doc *document, present *map[string]any) (err error) {
	defer func() {
		if recover() != nil {
			err = errLibrary
		}
	}()
	if err := yaml.UnmarshalWithOptions(data, doc, yaml.Strict()); err != nil {
		return err
	}
	return yaml.Unmarshal(data, present)
}

// finishSite validates a site and gives a named site its default plan
// path.
func finishSite(l *Layer) error {
	if err := l.Validate(); err != nil {
		return err
	}
	if l.Has(KeyName) && !l.Has("out") {
		l.Out = l.Name + ".plan.csv"
		l.Origins["out"] = l.Origins[KeyName]
	}
	return nil
}

// newFileLayer makes the layer of settings s, which were decoded from a
// mapping with the keys of present; a key whose value is null is not set.
func newFileLayer(name string, s Settings, present map[string]any, entries map[string]*entry) Layer {
	l := Layer{Origins: map[string]Origin{}}
	set := reflect.ValueOf(&l.Settings).Elem()
	src := reflect.ValueOf(s)
	for _, f := range fields() {
		v, ok := present[f.key]
		if !ok || v == nil {
			continue
		}
		fv := src.FieldByIndex(f.index)
		if f.kind == reflect.Slice && fv.Len() == 0 {
			continue // an empty list is no list: the default applies
		}
		set.FieldByIndex(f.index).Set(fv)
		o := Origin{Kind: FromFile, Name: name}
		if e := entries[f.key]; e != nil {
			o = posOrigin(name, e.keyTok)
		}
		l.Origins[f.key] = o
	}
	return l
}

func posOrigin(name string, tok *token.Token) Origin {
	o := Origin{Kind: FromFile, Name: name}
	if tok != nil && tok.Position != nil {
		o.Line, o.Column = tok.Position.Line, tok.Position.Column
	}
	return o
}

// entry is one key of a mapping in the profile.
type entry struct {
	key      string
	keyTok   *token.Token
	valueTok *token.Token
}

// index locates the keys of a profile's AST: the top mapping's, each
// site's, and every key anywhere (for the password check and for naming
// the key of an error).
type index struct {
	top      map[string]*entry
	sites    []map[string]*entry
	siteToks []*token.Token
	sitesTok *token.Token
	all      []*entry
	tag      *token.Token // the first YAML tag, if any
}

func indexEntries(body ast.Node) *index {
	idx := &index{top: map[string]*entry{}}
	for _, mv := range mappingValues(body) {
		e := newEntry(mv)
		idx.top[e.key] = e
		if e.key != keySites {
			continue
		}
		idx.sitesTok = e.keyTok
		if seq, ok := unwrap(mv.Value).(*ast.SequenceNode); ok {
			for _, item := range seq.Values {
				m := map[string]*entry{}
				for _, smv := range mappingValues(item) {
					se := newEntry(smv)
					m[se.key] = se
				}
				idx.sites = append(idx.sites, m)
				tok := item.GetToken()
				if mvs := mappingValues(item); len(mvs) > 0 && mvs[0].Key != nil {
					tok = mvs[0].Key.GetToken()
				}
				idx.siteToks = append(idx.siteToks, tok)
			}
		}
	}
	ast.Walk(visitor(func(n ast.Node) {
		switch t := n.(type) {
		case *ast.MappingValueNode:
			idx.all = append(idx.all, newEntry(t))
		case *ast.TagNode:
			if idx.tag == nil {
				idx.tag = t.GetToken()
			}
		}
	}), body)
	return idx
}

type visitor func(ast.Node)

func (v visitor) Visit(n ast.Node) ast.Visitor {
	v(n)
	return v
}

func newEntry(mv *ast.MappingValueNode) *entry {
	e := &entry{}
	if mv.Key != nil {
		e.keyTok = mv.Key.GetToken()
		if e.keyTok != nil {
			e.key = e.keyTok.Value
		}
	}
	if mv.Value != nil {
		e.valueTok = mv.Value.GetToken()
	}
	return e
}

// unwrap returns the node under anchors and tags.
func unwrap(n ast.Node) ast.Node {
	for {
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.TagNode:
			n = t.Value
		default:
			return n
		}
	}
}

// mappingValues returns the entries of a mapping node (nil for another
// node).
func mappingValues(n ast.Node) []*ast.MappingValueNode {
	switch t := unwrap(n).(type) {
	case *ast.MappingNode:
		return t.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{t}
	}
	return nil
}

// secret returns the first key that names a password (other than
// password_file), anywhere in the profile.
func (idx *index) secret() *entry {
	for _, e := range idx.all {
		k := strings.ToLower(e.key)
		if k == "password_file" || k == "no_password" { // no secrets
			continue
		}
		if strings.Contains(k, "password") || strings.Contains(k, "passwd") || k == "pass" || k == "pwd" || k == "secret" {
			return e
		}
	}
	return nil
}

// keyAt returns the key whose value (or key) starts at pos, else the
// rightmost key on pos's line left of it, else "".
func (idx *index) keyAt(pos *token.Position) string {
	if idx == nil || pos == nil {
		return ""
	}
	same := func(t *token.Token) bool {
		return t != nil && t.Position != nil && t.Position.Line == pos.Line && t.Position.Column == pos.Column
	}
	best, bestCol := "", 0
	for _, e := range idx.all {
		if same(e.valueTok) || same(e.keyTok) {
			return e.key
		}
		if t := e.keyTok; t != nil && t.Position != nil && t.Position.Line == pos.Line && t.Position.Column <= pos.Column && t.Position.Column > bestCol {
			best, bestCol = e.key, t.Position.Column
		}
	}
	return best
}

// yamlError turns an error of the YAML library into an *Error with the
// position, the key and a plain message, without the source lines the
// library would quote.
func yamlError(name string, err error, idx *index) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return &Error{Origin: Origin{Kind: FromFile, Name: name}, Msg: "the profile is no valid YAML"}
	}
	tok := ye.GetToken()
	e := &Error{Origin: posOrigin(name, tok), Key: idx.keyAt(tok.Position), Msg: ye.GetMessage()}
	var (
		unknown  *yaml.UnknownFieldError
		typ      *yaml.TypeError
		overflow *yaml.OverflowError
	)
	switch {
	case errors.As(err, &unknown):
		e.Key = ""
		e.Msg = fmt.Sprintf("unknown key %q", tok.Value)
		if s := suggest(tok.Value); s != "" {
			e.Msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
	case errors.As(err, &typ):
		if typ.StructFieldName != nil {
			fieldName := *typ.StructFieldName
			fieldName = fieldName[strings.LastIndex(fieldName, ".")+1:]
			if f, ok := fieldByName(fieldName); ok {
				e.Key = f.key
			} else if fieldName == "Sites" {
				e.Key = keySites
			}
		}
		e.Msg = want(e.Key)
	case errors.As(err, &overflow):
		e.Msg = "the number is out of range"
	default:
		if f, ok := lookupField(e.Key); ok && f.kind == reflect.Slice || e.Key == keySites {
			e.Msg = want(e.Key)
		}
	}
	return e
}

// want describes the value key takes.
func want(key string) string {
	if key == keySites {
		return "want a list of sites, each a mapping with a name"
	}
	f, ok := lookupField(key)
	if !ok {
		return "a value of the wrong type"
	}
	switch f.kind {
	case reflect.Bool:
		return "want true or false"
	case reflect.Int, reflect.Int64:
		return "want a whole number"
	case reflect.Slice:
		return "want a list of strings, e.g. [a, b] or one \"- item\" a line"
	default:
		return "want a string"
	}
}

// suggest returns the key closest to an unknown one, or "".
func suggest(unknown string) string {
	best, bestD := "", 3
	norm := strings.ToLower(strings.ReplaceAll(unknown, "-", "_"))
	for _, k := range append(Keys(), keySites) {
		if d := distance(norm, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Marshal returns the profile as YAML that Parse reads back to the same
// settings: every site's set keys, as a sites: list when the profile had
// one.
func (p *Profile) Marshal() ([]byte, error) {
	return Format(p.Sites, p.List || len(p.Sites) != 1, nil)
}

// Format writes sites as a profile: the keys each set, in the order of
// Settings, one a line (lists in flow style), under "sites:" when list.
// note(i, key), when not nil, returns a comment for the line of site i's
// key, or "" for none; note(i, "") returns comment lines to end site i
// with.
func Format(sites []Layer, list bool, note func(site int, key string) []string) ([]byte, error) {
	var b strings.Builder
	if list {
		b.WriteString("sites:\n")
	}
	for i, l := range sites {
		var lines []string
		for _, item := range l.mapSlice() {
			key := item.Key.(string)
			line := key + ": " + scalar(item.Value)
			if note != nil {
				for _, c := range note(i, key) {
					line += " # " + strings.NewReplacer("\n", " ", "\r", " ").Replace(c)
				}
			}
			lines = append(lines, line)
		}
		if note != nil {
			for _, c := range note(i, "") {
				lines = append(lines, "# "+c)
			}
		}
		if len(lines) == 0 {
			lines = []string{"{}"}
		}
		for j, line := range lines {
			switch {
			case !list:
			case j == 0:
				line = "  - " + line
			default:
				line = "    " + line
			}
			b.WriteString(line + "\n")
		}
	}
	return []byte(b.String()), nil
}

// scalar formats a value of Settings as YAML on one line: lists in flow
// style, strings plain when that is safe, else double-quoted.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return quote(v)
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	panic(fmt.Sprintf("config: no YAML form for %T", v))
}

// quote returns s plain when it is a word or path that YAML reads as that
// string, else double-quoted with YAML's escapes.
func quote(s string) string {
	plain := s != ""
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', r == '_', r == '/':
		case i > 0 && ('0' <= r && r <= '9' || r == '.' || r == '-'):
		default:
			plain = false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
		plain = false
	}
	if plain {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		case r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || !unicode.IsPrint(r):
			if r > 0xffff {
				fmt.Fprintf(&b, "\\U%08x", r)
			} else {
				fmt.Fprintf(&b, "\\u%04x", r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// mapSlice returns the keys l set with their values, in the order of
// Settings.
func (l Layer) mapSlice() yaml.MapSlice {
	var m yaml.MapSlice
	v := reflect.ValueOf(l.Settings)
	for _, f := range fields() {
		if l.Has(f.key) {
			m = append(m, yaml.MapItem{Key: f.key, Value: v.FieldByIndex(f.index).Interface()})
		}
	}
	return m
}
