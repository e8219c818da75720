package configcenter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ExportFormat names the export document's format and version; Import
// reads exactly this one.
const ExportFormat = "bcs-templates/v1"

// MaxExportBytes bounds an import document.
const MaxExportBytes = 64 << 20

// ExportedTemplate is a template in an export document.
type ExportedTemplate struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Kind        TemplateKind      `json:"kind"`
	Draft       string            `json:"draft"`
	Versions    []ExportedVersion `json:"versions"`
}

// ExportedVersion is an immutable version. Digest is written by Export
// and, when present, checked by Import, so that a hand-edited version is
// noticed rather than imported under a label it no longer matches.
type ExportedVersion struct {
	Label   string `json:"label"`
	Note    string `json:"note"`
	Content string `json:"content"`
	Digest  string `json:"digest,omitempty"`
}

type exportDocument struct {
	Format string `json:"format"`
	// Redacted marks an export for a reader who may not edit templates:
	// its texts are as RedactSecrets shows them, so it does not import.
	Redacted  bool               `json:"redacted,omitempty"`
	Templates []ExportedTemplate `json:"templates"`
}

// Export writes templates as an indented ExportFormat document, after
// the checks Import makes, so that every export can be imported.
func Export(templates []ExportedTemplate) ([]byte, error) {
	return export(templates, false)
}

// ExportRedacted is Export for a reader who may not edit the templates:
// drafts and version contents pass through RedactSecrets, digests are of
// the texts shown, and the document says so; Import refuses it, since its
// Secrets would be imported as the redaction mark.
func ExportRedacted(templates []ExportedTemplate) ([]byte, error) {
	return export(templates, true)
}

func export(templates []ExportedTemplate, redacted bool) ([]byte, error) {
	out := make([]ExportedTemplate, len(templates))
	for i, t := range templates {
		t.Versions = append([]ExportedVersion(nil), t.Versions...)
		if redacted {
			t.Draft = RedactSecrets(t.Kind, t.Draft)
		}
		for j := range t.Versions {
			if redacted {
				t.Versions[j].Content = RedactSecrets(t.Kind, t.Versions[j].Content)
			}
			t.Versions[j].Digest = Digest(t.Versions[j].Content)
		}
		if t.Versions == nil {
			t.Versions = []ExportedVersion{}
		}
		out[i] = t
	}
	if err := checkExported(out); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(exportDocument{Format: ExportFormat, Redacted: redacted, Templates: out}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("configcenter: encode export: %w", err)
	}
	return append(b, '\n'), nil
}

// Import reads an ExportFormat document strictly: unknown fields, a
// missing or different format, trailing data, and templates that could not
// be saved (bad names, kinds, labels, duplicates, placeholder syntax,
// digests that do not match) are errors, with the line and column for
// JSON errors and the field path (templates[0].versions[1].label) for the
// rest.
func Import(data []byte) ([]ExportedTemplate, error) {
	if len(data) > MaxExportBytes {
		return nil, &Error{Message: fmt.Sprintf("the document is %d bytes; at most %d are allowed", len(data), MaxExportBytes)}
	}
	// The format first, leniently, so that a document of another format or
	// version is named as such rather than as a list of unknown fields.
	// Unmarshal also refuses trailing data.
	var head struct {
		Format *string `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonError(data, err, -1)
	}
	switch {
	case head.Format == nil:
		return nil, &Error{Field: "format", Message: fmt.Sprintf("is missing: this is not a BCS templates export (%s)", ExportFormat)}
	case *head.Format != ExportFormat:
		return nil, &Error{Field: "format", Message: fmt.Sprintf("%q is not supported; this version of BCS reads %s", *head.Format, ExportFormat)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc exportDocument
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError(data, err, dec.InputOffset())
	}
	if doc.Redacted {
		return nil, &Error{Field: "redacted", Message: "this export hides Secret values (it was made without templateset_update): export again as a member who may edit the templates"}
	}
	if len(doc.Templates) == 0 {
		return nil, &Error{Field: "templates", Message: "the document holds no templates"}
	}
	if err := checkExported(doc.Templates); err != nil {
		return nil, err
	}
	return doc.Templates, nil
}

// checkExported applies the rules a template must meet to be saved.
func checkExported(templates []ExportedTemplate) error {
	var p problems
	names := map[string]int{}
	for i, t := range templates {
		at := fmt.Sprintf("templates[%d]", i)
		switch {
		case strings.TrimSpace(t.Name) == "":
			p.addf(0, 0, at+".name", "is required")
		case utf8.RuneCountInString(t.Name) > 64 || len(t.Name) > 255:
			p.addf(0, 0, at+".name", "must be at most 64 characters")
		default:
			if first, dup := names[t.Name]; dup {
				p.addf(0, 0, at+".name", "%q is also the name of templates[%d]", t.Name, first)
			}
			names[t.Name] = i
		}
		if t.Kind != KindK8S && t.Kind != KindMesos {
			p.addf(0, 0, at+".kind", "must be K8S or MESOS, not %q", t.Kind)
		}
		if len(t.Draft) > MaxTemplateBytes {
			p.addf(0, 0, at+".draft", "is %d bytes; at most %d are allowed", len(t.Draft), MaxTemplateBytes)
		}
		labels := map[string]int{}
		for j, v := range t.Versions {
			vat := fmt.Sprintf("%s.versions[%d]", at, j)
			if err := ValidateLabel(v.Label); err != nil {
				var e *Error
				errors.As(err, &e)
				p.addf(0, 0, vat+".label", "%s", e.Message)
			} else if first, dup := labels[v.Label]; dup {
				p.addf(0, 0, vat+".label", "%q is also the label of versions[%d]", v.Label, first)
			} else {
				labels[v.Label] = j
			}
			if v.Digest != "" && v.Digest != Digest(v.Content) {
				p.addf(0, 0, vat+".digest", "does not match the content: the content was changed after export")
			}
			if _, err := References(v.Content); err != nil {
				for _, e := range Problems(err) {
					p.addf(0, 0, vat+".content", "%s", e.Error())
				}
			}
			if p.full() {
				return p.err()
			}
		}
	}
	return p.err()
}

// jsonError turns an encoding/json error into an *Error positioned in
// data. offset is where the decoder stopped, or -1.
func jsonError(data []byte, err error, offset int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the offending one included; at the
		// end of the input it points past the last byte.
		off := syn.Offset - 1
		if syn.Offset >= int64(len(data)) {
			off = int64(len(data))
		}
		line, col := offsetPos(data, max(off, 0))
		return &Error{Line: line, Column: col, Message: "invalid JSON: " + strings.TrimPrefix(syn.Error(), "json: ")}
	case errors.As(err, &typ):
		line, col := offsetPos(data, typ.Offset)
		field := typ.Field
		if field == "" {
			return &Error{Line: line, Column: col, Message: fmt.Sprintf("the document must be a JSON object, not %s", jsonKind(typ.Value))}
		}
		return &Error{Line: line, Column: col, Field: field, Message: fmt.Sprintf("must be %s, not %s", goKind(typ.Type.Kind().String()), jsonKind(typ.Value))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		line, col := offsetPos(data, int64(len(data)))
		return &Error{Line: line, Column: col, Message: "invalid JSON: the document ends too early"}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		line, col := offsetPos(data, offset)
		return &Error{Line: line, Column: col, Field: strings.Trim(name, `"`), Message: "is not a field of " + ExportFormat}
	}
	return &Error{Message: "invalid document: " + msg}
}

func jsonKind(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case v == "string":
		return "a string"
	case v == "bool":
		return "a boolean"
	case strings.HasPrefix(v, "number"):
		return "a number"
	}
	return v
}

func goKind(k string) string {
	switch k {
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	}
	return "a number"
}

// offsetPos converts a byte offset into a 1-based line and column.
func offsetPos(data []byte, offset int64) (int, int) {
	if offset < 0 {
		return 0, 0
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}
