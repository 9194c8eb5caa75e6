package scaffold

import (
	"crypto/rand"
	"sync"
)

// Generated keeps the secrets plans had to make up (the database password,
// the TURN secret), so that planning again makes the same ones. The wizard
// plans at every answer that changes, for its preview, and once more for
// its review: with one Generated for the session, the password the preview
// masked is the one the review lists and the write writes. The zero value
// is ready to use; a nil *Generated makes new secrets for every plan.
type Generated struct {
	mu     sync.Mutex
	values map[string]string
}

// secret returns the secret generated for name, making it on first use
// (crypto/rand's Text: 26 characters, 130 bits).
func (g *Generated) secret(name string) string {
	if g == nil {
		return rand.Text()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if v, ok := g.values[name]; ok {
		return v
	}
	if g.values == nil {
		g.values = map[string]string{}
	}
	v := rand.Text()
	g.values[name] = v
	return v
}
