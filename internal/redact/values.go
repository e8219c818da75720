package redact

import "regexp"

// secretKey matches names of settings whose values are secrets (a Helm
// chart's password, apiKey, tls.key, auth token…).
var secretKey = regexp.MustCompile(`(?i)(secret|token|passw|credential|private.?key|api.?key|access.?key|auth|cert|^key$|\.key$|dsn|connection.?string)`)

// SecretKey reports whether a setting named key holds a secret.
func SecretKey(key string) bool { return secretKey.MatchString(key) }

// Values copies a tree of settings (Helm values: maps, lists, scalars)
// with every value under a secret-looking key replaced by Mark, at any
// depth. The structure and the other values stay, so a reader still sees
// what was set where; v itself is never modified.
func Values(v map[string]any) map[string]any {
	if v == nil {
		return nil
	}
	out := make(map[string]any, len(v))
	for k, x := range v {
		if SecretKey(k) && x != nil {
			if _, isMap := x.(map[string]any); !isMap {
				out[k] = Mark
				continue
			}
		}
		out[k] = valuesAny(k, x)
	}
	return out
}

func valuesAny(key string, x any) any {
	switch t := x.(type) {
	case map[string]any:
		if SecretKey(key) {
			// A map under a secret key (auth: {user, pass}) hides all of it.
			m := make(map[string]any, len(t))
			for k, v := range t {
				if _, isMap := v.(map[string]any); isMap {
					m[k] = valuesAny(key, v)
				} else {
					m[k] = Mark
				}
			}
			return m
		}
		return Values(t)
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			if SecretKey(key) {
				s[i] = Mark
			} else {
				s[i] = valuesAny(key, e)
			}
		}
		return s
	}
	return x
}
