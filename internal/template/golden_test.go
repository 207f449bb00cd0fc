package template

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenOptions reads the options of a fixture from its first line:
//
//	# options: --param Env=prod --region eu-west-1 --stack-name s --account-id 1
func goldenOptions(t *testing.T, data []byte) Options {
	t.Helper()
	o := Options{Types: testTypes()}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	rest, ok := strings.CutPrefix(string(first), "# options:")
	if !ok {
		return o
	}
	fields := strings.Fields(rest)
	for i := 0; i+1 < len(fields); i += 2 {
		v := fields[i+1]
		switch fields[i] {
		case "--param":
			if o.Params == nil {
				o.Params = map[string]string{}
			}
			k, val, _ := strings.Cut(v, "=")
			o.Params[k] = val
		case "--region":
			o.Region = v
		case "--stack-name":
			o.StackName = v
		case "--account-id":
			o.AccountID = v
		default:
			t.Fatalf("unknown option %s", fields[i])
		}
	}
	return o
}

// TestGolden parses each template in testdata/golden and compares the dump of
// the result (resources, outputs, parameters and notes, or the errors) with
// the .golden file beside it. go test -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*.yaml", "*.json"} {
		m, err := filepath.Glob(filepath.Join("testdata", "golden", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no golden fixtures")
	}
	seen := map[string]string{}
	for _, file := range files {
		base := filepath.Base(file)
		name := strings.TrimSuffix(base, filepath.Ext(base))
		if other, dup := seen[name]; dup {
			t.Fatalf("%s and %s share a golden file", other, file)
		}
		seen[name] = file
		t.Run(base, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			tpl, perr := Parse(base, data, goldenOptions(t, data))
			got := dump(tpl, perr)
			if strings.Contains(string(got), "internal error") {
				t.Fatalf("internal error:\n%s", got)
			}
			golden := filepath.Join("testdata", "golden", name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run go test -run TestGolden -update and review the diff):\n%s", base, golden, lineDiff(string(want), string(got)))
			}
		})
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			continue
		}
		b.WriteString("line " + itoa(i+1) + ":\n  want: " + wl + "\n   got: " + gl + "\n")
		if shown++; shown == 10 {
			break
		}
	}
	return b.String()
}
