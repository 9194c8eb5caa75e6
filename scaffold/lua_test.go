package scaffold

import (
	"slices"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// readBack parses `return <literal>` with a real Lua parser and returns the
// string it yields.
func readBack(t testing.TB, literal string) string {
	t.Helper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	if err := L.DoString("return " + literal); err != nil {
		t.Fatalf("Lua rejected %s: %v", literal, err)
	}
	v := L.Get(-1)
	s, ok := v.(lua.LString)
	if !ok {
		t.Fatalf("Lua read %s as %s, not a string", literal, v.Type())
	}
	return string(s)
}

func TestLuaString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`quote"and\back`, `"quote\"and\\back"`},
		{"line\nbreak\r\t", `"line\nbreak\r\t"`},
		{"nul\x001", `"nul\0001"`},
		{"del\x7f", `"del\127"`},
		{"]]==]", `"]]==]"`},
		{"münchen.de", `"münchen.de"`},
		{"bad\xffutf8", `"bad\255utf8"`},
		{"\u2028", "\"\u2028\""},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := LuaString(c.in); got != c.want {
				t.Errorf("LuaString(%q) = %s, want %s", c.in, got, c.want)
			}
			if back := readBack(t, LuaString(c.in)); back != c.in {
				t.Errorf("read back %q, want %q", back, c.in)
			}
		})
	}
}

func TestLuaValue(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{true, "true"},
		{false, "false"},
		{5222, "5222"},
		{[]string{"a", "b\""}, `{ "a", "b\"" }`},
		{[]int{5222}, "{ 5222 }"},
		{[]string{}, "{ }"},
	}
	for _, c := range cases {
		if got := LuaValue(c.in); got != c.want {
			t.Errorf("LuaValue(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
}

// FuzzLuaString: whatever the string (NUL, quotes, backslashes, "]]",
// newlines, invalid UTF-8), a Lua parser reads the literal back identically.
func FuzzLuaString(f *testing.F) {
	for _, s := range []string{"", "a\x00b", `"\`, "]]", "\n\r", "\xff\xfe", "\\0001", "é", "\x1b[31m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if back := readBack(t, LuaString(s)); back != s {
			t.Fatalf("round trip of %q gave %q (literal %s)", s, back, LuaString(s))
		}
	})
}

func TestParseLuaString(t *testing.T) {
	for _, c := range []struct {
		src, value, rest string
		ok               bool
	}{
		{`"plain";`, "plain", ";", true},
		{`'single "q"' -- c`, `single "q"`, " -- c", true},
		{`"a\"b\\c\'d"`, `a"b\c'd`, "", true},
		{`"\0001\65\255"`, "\x001A\xff", "", true},
		{`"\a\b\f\n\r\t\v"`, "\a\b\f\n\r\t\v", "", true},
		{`"\256"`, "", "", false},
		{`"\x41"`, "", "", false},
		{`"\z"`, "", "", false},
		{"\"line\nbreak\"", "", "", false},
		{`"unterminated`, "", "", false},
		{`"ends in \"`, "", "", false},
		{`ENV_X`, "", "", false},
		{`[[long]]`, "", "", false},
	} {
		v, rest, ok := parseLuaString(c.src)
		if ok != c.ok || ok && (v != c.value || rest != c.rest) {
			t.Errorf("parseLuaString(%s) = %q, %q, %v; want %q, %q, %v", c.src, v, rest, ok, c.value, c.rest, c.ok)
		}
	}
}

// FuzzParseLuaString: the re-run's reader is the inverse of LuaString.
func FuzzParseLuaString(f *testing.F) {
	for _, s := range append(slices.Clone(secretSeeds), "a\x00b", "\n\r", "\xff\xfe", "\\0001", "\x1b[31m", "\x7f9") {
		f.Add(s, ";")
	}
	f.Fuzz(func(t *testing.T, s, after string) {
		v, rest, ok := parseLuaString(LuaString(s) + after)
		if !ok || v != s || rest != after {
			t.Fatalf("parseLuaString(%s) = %q, %q, %v; want %q, %q", LuaString(s)+after, v, rest, ok, s, after)
		}
	})
}

// FuzzParseLuaStringAgreesWithLua: whatever literal the reader accepts, a
// Lua parser reads as the same string.
func FuzzParseLuaStringAgreesWithLua(f *testing.F) {
	for _, s := range []string{`"a\"b"`, `'a\'b'`, `"\0659"`, `"\1234"`, `"\t\v\a"`, `"\q"`, `"\x41"`, `"\
"`, `'"'`, `"'"`, `"\255\256"`, "\"\xff\"", `"]]"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, rest, ok := parseLuaString(src)
		if !ok {
			return
		}
		if back := readBack(t, src[:len(src)-len(rest)]); back != v {
			t.Fatalf("%s: the reader gives %q, Lua %q", src, v, back)
		}
	})
}
