package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that answers Parse
// accepts validate without panicking and survive Marshal: written out and
// read back, they are the same answers with the same problems.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("../testdata/answers/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files in ../testdata/answers: %v", err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, tc := range badCases {
		f.Add([]byte(tc.yaml))
	}
	for _, tc := range goodCases {
		f.Add([]byte(tc.yaml))
	}
	f.Add([]byte("a: &x [1]\nb: *x\n"))
	f.Add([]byte("version: 1\ndomains: &d [example.org]\nadmins: *d\ntls: &t {mode: existing}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse(data)
		if err != nil {
			if _, ok := err.(Problems); !ok {
				t.Fatalf("Parse returned %T, want Problems: %v", err, err)
			}
			return
		}
		ps := Validate(a)
		out := Marshal(a)
		b, err := Parse(out)
		if err != nil {
			t.Fatalf("Marshal output does not parse: %v\ninput:\n%q\nmarshalled:\n%s", err, data, out)
		}
		if qs := Validate(b); !reflect.DeepEqual(ps, qs) {
			t.Fatalf("problems change through Marshal and Parse\ninput:\n%q\nmarshalled:\n%s\nbefore: %v\nafter:  %v", data, out, ps, qs)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("answers change through Marshal and Parse\ninput:\n%q\nmarshalled:\n%s\nbefore: %#v\nafter:  %#v", data, out, a, b)
		}
	})
}

func TestMarshalRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../testdata/answers/*.yaml")
	for _, p := range files {
		a, err := Load(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		b, err := Parse(Marshal(a))
		if err != nil {
			t.Fatalf("%s: marshalled answers do not parse: %v", p, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: answers change through Marshal and Parse:\n%#v\n%#v", p, a, b)
		}
	}
}

// TestNormalizeLeavesTheOriginal: normalising a copy of answers leaves the
// lists of the answers it was copied from as they were.
func TestNormalizeLeavesTheOriginal(t *testing.T) {
	a := Defaults()
	a.Domains = []string{" Example.ORG "}
	a.Admins = []string{"Admin@Example.ORG"}
	a.Modules.Enable = []string{" motd "}
	b := a
	b.Normalize()
	if a.Domains[0] != " Example.ORG " || a.Admins[0] != "Admin@Example.ORG" || a.Modules.Enable[0] != " motd " {
		t.Errorf("the original answers changed: %q %q %q", a.Domains, a.Admins, a.Modules.Enable)
	}
	if b.Domains[0] != "example.org" || b.Modules.Enable[0] != "motd" {
		t.Errorf("the copy is not normalised: %q %q", b.Domains, b.Modules.Enable)
	}
}
