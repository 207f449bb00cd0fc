package cognito

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// javaDate is Java's Date.toString layout ("EEE MMM dd HH:mm:ss zzz yyyy"),
// in UTC.
const javaDate = "Mon Jan 02 15:04:05 UTC 2006"

// ClaimsForContext stringifies verified claims as a REST COGNITO_USER_POOLS
// authorizer puts them in requestContext.authorizer.claims (see the package
// documentation): exp and iat as Java dates in UTC, other numbers as their
// JSON text, booleans as true/false, arrays joined by ",", objects as JSON,
// null claims left out.
func ClaimsForContext(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for name, v := range claims {
		if v == nil {
			continue
		}
		if name == "exp" || name == "iat" {
			if sec, ok := seconds(v); ok {
				out[name] = time.Unix(sec, 0).UTC().Format(javaDate)
				continue
			}
		}
		if arr, ok := v.([]any); ok {
			parts := make([]string, 0, len(arr))
			for _, x := range arr {
				parts = append(parts, scalarString(x))
			}
			out[name] = strings.Join(parts, ",")
			continue
		}
		out[name] = scalarString(v)
	}
	return out
}

// ClaimsForJWTContext stringifies verified claims as an HTTP API JWT
// authorizer puts them in requestContext.authorizer.jwt.claims: numbers
// (exp and iat included) as their JSON text, booleans as true/false, arrays
// as "[a b c]", objects as JSON, null claims left out.
func ClaimsForJWTContext(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for name, v := range claims {
		if v == nil {
			continue
		}
		if arr, ok := v.([]any); ok {
			parts := make([]string, 0, len(arr))
			for _, x := range arr {
				parts = append(parts, scalarString(x))
			}
			out[name] = "[" + strings.Join(parts, " ") + "]"
			continue
		}
		out[name] = scalarString(v)
	}
	return out
}

func seconds(v any) (int64, bool) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, false
		}
	case float64:
		f = n
	default:
		return 0, false
	}
	// Within what time.Time formats as a four-digit year.
	if f != f || f < -62135596800 || f > 253402300799 {
		return 0, false
	}
	return int64(f), true
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
