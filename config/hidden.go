package config

import (
	"fmt"
	"unicode"
)

// A hidden character is one a person cannot see, or one that changes how
// the text around it is shown: control characters, bidi overrides and
// isolates, zero-width characters, spaces other than the ASCII space, and
// other default-ignorable code points. In a name they make two different
// names look alike ("admin@exampl\u202eelpmaxe.org"), and the domain
// mapping (UTS #46) silently deletes some of them and turns others into
// spaces, so the name a person sees is not the name that gets used.
// Names and JIDs refuse them, naming the code point.

// hiddenNames names the hidden characters a person is most likely to meet;
// the others are named by their kind.
var hiddenNames = map[rune]string{
	0x00: "null", 0x09: "tab", 0x0a: "line feed", 0x0b: "vertical tab", 0x0c: "form feed",
	0x0d: "carriage return", 0x1b: "escape", 0x7f: "delete", 0x85: "next line",
	0xa0: "no-break space", 0xad: "soft hyphen", 0x34f: "combining grapheme joiner",
	0x61c: "arabic letter mark", 0x115f: "hangul choseong filler", 0x1160: "hangul jungseong filler",
	0x1680: "ogham space mark", 0x180e: "mongolian vowel separator",
	0x2000: "en quad", 0x2001: "em quad", 0x2002: "en space", 0x2003: "em space",
	0x2004: "three-per-em space", 0x2005: "four-per-em space", 0x2006: "six-per-em space",
	0x2007: "figure space", 0x2008: "punctuation space", 0x2009: "thin space", 0x200a: "hair space",
	0x200b: "zero width space", 0x200c: "zero width non-joiner", 0x200d: "zero width joiner",
	0x200e: "left-to-right mark", 0x200f: "right-to-left mark",
	0x2028: "line separator", 0x2029: "paragraph separator",
	0x202a: "left-to-right embedding", 0x202b: "right-to-left embedding",
	0x202c: "pop directional formatting", 0x202d: "left-to-right override",
	0x202e: "right-to-left override", 0x202f: "narrow no-break space",
	0x205f: "medium mathematical space", 0x2060: "word joiner",
	0x2061: "function application", 0x2062: "invisible times", 0x2063: "invisible separator",
	0x2064: "invisible plus", 0x2066: "left-to-right isolate", 0x2067: "right-to-left isolate",
	0x2068: "first strong isolate", 0x2069: "pop directional isolate",
	0x3000: "ideographic space", 0x3164: "hangul filler",
	0xfeff: "zero width no-break space, or byte order mark", 0xffa0: "halfwidth hangul filler",
}

// isHidden reports whether r is a hidden character. The ASCII space is
// not: paths may hold one, and names say so in their own words.
func isHidden(r rune) bool {
	switch {
	case r < 0x80:
		return r < 0x20 || r == 0x7f
	case unicode.IsControl(r), unicode.In(r, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point):
		return true
	}
	return false
}

// firstHidden returns the first hidden character of s, skipping those
// keep reports as wanted.
func firstHidden(s string, keep func(rune) bool) (rune, bool) {
	for _, r := range s {
		if isHidden(r) && (keep == nil || !keep(r)) {
			return r, true
		}
	}
	return 0, false
}

// codePoint names a character by its code point and, where known, its
// Unicode name: "U+202E (right-to-left override)".
func codePoint(r rune) string {
	name, ok := hiddenNames[r]
	switch {
	case ok:
	case r >= 0xfe00 && r <= 0xfe0f:
		name = fmt.Sprintf("variation selector-%d", r-0xfe00+1)
	case unicode.IsControl(r):
		name = "a control character"
	case unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp):
		name = "a space or separator"
	default:
		name = "an invisible formatting character"
	}
	return fmt.Sprintf("%U (%s)", r, name)
}

// hiddenText says that a value contains the hidden character r and what
// to do, for a problem message about a name, JID, address or path:
// "contains U+202E (right-to-left override), …".
func hiddenText(r rune) string {
	return "contains " + codePoint(r) + ", a control or invisible character that makes text look like something it is not; type it again without that character"
}

// hiddenCheck adds a problem when value, the answer of field, contains a
// hidden character, and reports whether it did.
func hiddenCheck(p *problems, field, value string) bool {
	r, hidden := firstHidden(value, nil)
	if hidden {
		p.add(field, "%s %s", quoted(value), hiddenText(r))
	}
	return hidden
}
