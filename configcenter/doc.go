// Package configcenter is the engine of BCS's config center, after the
// original's template sets: scoped variables, rendering of {{ key }}
// placeholders, parsing and validation of Kubernetes and Mesos templates,
// diffs between renderings, version digests and labels, and the template
// export format. It is pure Go with no storage or cluster access; the
// GraphQL layer loads templates and variables, calls it, and applies what
// it returns.
//
// # Variables
//
// A Variable has GLOBAL, CLUSTER or NAMESPACE scope. Resolve picks, for
// each key, the narrowest variable that applies to a Target (namespace over
// cluster over global) and adds the system variables SYS_PROJECT_ID,
// SYS_PROJECT_CODE, SYS_CLUSTER_ID and SYS_NAMESPACE, which users cannot
// define or override (keys beginning with SYS_ are reserved). Keys are 1
// to 64 letters, digits, '_' and '.'.
//
// # Placeholders
//
// {{ key }} is replaced by the key's value; spaces inside the braces are
// optional, and a placeholder stays on one line. That is the whole
// template language: no conditions, loops or functions, as in the
// original. \{{ writes a literal {{ (for example a Prometheus or Go
// template inside a ConfigMap). Any other {{ that is not a well-formed
// placeholder, and any placeholder naming a variable that has no value,
// is an error at its line and column.
//
// # How values are inserted
//
// A value is inserted as text, but never changes the structure of the
// document: it cannot add keys, list items or documents, end a string, or
// start a comment. What that takes depends on where the placeholder
// stands, which Render tells by following the YAML (or JSON) around it:
//
//   - In a double-quoted string ("{{ key }}"), the value is escaped: \ and
//     " are backslash-escaped, line breaks become \n, tabs \t, and other
//     control characters \uXXXX. Any value is accepted, and the escapes are
//     valid in both YAML and JSON. This is the place for arbitrary text.
//   - In a block scalar (after | or >), line breaks are kept and each
//     further line of the value is indented like the placeholder's line, so
//     a multi-line value (a config file) stays inside the scalar. Other
//     control characters are errors.
//   - In a single-quoted string, ' is doubled; line breaks and control
//     characters are errors.
//   - Unquoted (a plain scalar, such as replicas: {{ n }} or
//     image: repo/app:{{ tag }}), the value is inserted as it is, so that
//     numbers and booleans keep their type. It must be plain text: a value
//     with a line break or control character, ": ", " #", a leading
//     indicator (- ? : , [ ] { } # & * ! | > ' " % @ `) where a value
//     starts, or , [ ] { } inside a flow collection (JSON's [ ] and { }) is
//     an error that names the variable and suggests quoting the placeholder.
//   - In a comment, the value must be on one line.
//
// Values are never parsed as YAML themselves, so a value is the same text
// in every namespace it is rendered into; the parse that follows sees the
// result, and its errors point into the template.
//
// # Errors
//
// Problems with input are *Error values (Line, Column, Field, Message),
// or Errors when there are several; errors.As finds them, and Problems
// lists them. Lines and columns are in the template as written, also for
// errors found after substitution; a column that substitution moved is
// reported as 0.
package configcenter
