package template

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// path is a property path below a logical ID, built as a linked list so that
// deep templates do not pay for string building until an error is reported.
type path struct {
	parent *path
	name   string
	idx    int
	isIdx  bool
}

func (p *path) key(k string) *path { return &path{parent: p, name: k} }

func (p *path) index(i int) *path { return &path{parent: p, idx: i, isIdx: true} }

// String renders the path as "Properties.MethodResponses[0].StatusCode".
func (p *path) String() string {
	if p == nil {
		return ""
	}
	var segs []*path
	for q := p; q != nil; q = q.parent {
		segs = append(segs, q)
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		q := segs[i]
		if q.isIdx {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(q.idx))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(q.name)
	}
	return b.String()
}

// suggest returns the candidate closest to name when it is close enough to be
// a likely typo: equal ignoring case, or within an edit distance of 2 (and the
// name is longer than the distance, so that it is not replaced entirely).
// "" when none is.
func suggest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if c == name {
			continue
		}
		if strings.EqualFold(c, name) {
			return c
		}
		if abs(len(c)-len(name)) > 2 || len(c) > 200 || len(name) > 200 {
			continue
		}
		d := editDistance(name, c)
		if d < bestD && utf8.RuneCountInString(name) > d {
			best, bestD = c, d
		}
	}
	return best
}

// didYouMean formats a suggestion as "; did you mean X?" or "".
func didYouMean(name string, candidates []string) string {
	if s := suggest(name, candidates); s != "" {
		return "; did you mean " + s + "?"
	}
	return ""
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editDistance is the Damerau-Levenshtein (optimal string alignment) distance.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func sortStrings(s []string) { sort.Strings(s) }

// isAlphanumeric reports whether s is a valid CloudFormation logical ID.
func isAlphanumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
