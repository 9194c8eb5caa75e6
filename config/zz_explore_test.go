package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZExplore(t *testing.T) {
	data, _ := os.ReadFile("/tmp/explore/cases.txt")
	for _, c := range strings.Split(string(data), "\n====\n") {
		a, err := Parse([]byte(c))
		fmt.Printf("---- %q\n", c)
		if err != nil {
			fmt.Printf("PARSE: %v\n", err)
			continue
		}
		for _, p := range Validate(a) {
			fmt.Printf("  [%s] %s\n", p.Field, p.Message)
		}
		fmt.Printf("  domains=%q muc=%q upload=%q prosody=%q admins=%q\n", a.Domains, a.Components.MUC, a.Components.Upload, a.Prosody, a.Admins)
	}
}
