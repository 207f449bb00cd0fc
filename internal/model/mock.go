package model

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var lenientKey = regexp.MustCompile(`([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:`)

// MockStatus reads statusCode from a MOCK request template. API Gateway
// also accepts the unquoted-key form CDK writes ({statusCode: 200}).
func MockStatus(t string) (int, error) {
	if strings.TrimSpace(t) == "" {
		return 200, nil
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		if err2 := json.Unmarshal([]byte(lenientKey.ReplaceAllString(t, `$1"$2":`)), &v); err2 != nil {
			return 0, fmt.Errorf("the template is not JSON: %v", err)
		}
	}
	switch s := v["statusCode"].(type) {
	case float64:
		if s == float64(int(s)) && s >= 100 && s <= 599 {
			return int(s), nil
		}
	case string:
		if n, err := strconv.Atoi(s); err == nil && n >= 100 && n <= 599 {
			return n, nil
		}
	case nil:
		return 0, fmt.Errorf("the template has no integer statusCode")
	}
	return 0, fmt.Errorf("statusCode %v is not an HTTP status", v["statusCode"])
}
