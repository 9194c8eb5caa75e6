package scaffold

import (
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
		{LuaExpr("ENV_X"), "ENV_X"},
	}
	for _, c := range cases {
		if got := LuaValue(c.in); got != c.want {
			t.Errorf("LuaValue(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestLuaKey(t *testing.T) {
	for in, want := range map[string]string{
		"driver": "driver", "end": `["end"]`, "s2s-in": `["s2s-in"]`, "_x1": "_x1", "1x": `["1x"]`,
	} {
		if got := luaKey(in); got != want {
			t.Errorf("luaKey(%q) = %s, want %s", in, got, want)
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
