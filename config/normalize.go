package config

import (
	"slices"
	"strings"
)

// Normalize puts answers in the form the rest of the program relies on:
// domain and component names as Prosody writes them (see NormalizeDomain),
// a TURN host as NormalizeTURNHost, admin JIDs with lower-case localparts
// and normalised domains, series spellings such as "13" or "0.12.3"
// reduced to their series. It never fails; Validate explains what is still
// wrong. The lists are copied first: answers are values, and normalising a
// copy must not rewrite the lists of the answers it was copied from.
func (a *Answers) Normalize() {
	a.Domains = slices.Clone(a.Domains)
	a.Admins = slices.Clone(a.Admins)
	a.Modules.Enable = slices.Clone(a.Modules.Enable)
	a.Modules.Disable = slices.Clone(a.Modules.Disable)
	for _, k := range a.Contact.kinds() {
		*k.List = slices.Clone(*k.List)
		for i, u := range *k.List {
			(*k.List)[i] = NormalizeContactURI(u)
		}
	}
	for i, d := range a.Domains {
		a.Domains[i] = NormalizeDomain(d)
	}
	for i, j := range a.Admins {
		a.Admins[i] = NormalizeJID(j)
	}
	for _, c := range []*string{&a.Components.MUC, &a.Components.Upload, &a.Components.Proxy65} {
		if *c != "" {
			*c = NormalizeDomain(*c)
		}
	}
	if a.TURN.Host != "" {
		a.TURN.Host = NormalizeTURNHost(a.TURN.Host)
	}
	a.Prosody = normalizeSeries(a.Prosody)
	a.Deploy = strings.ToLower(strings.TrimSpace(a.Deploy))
	a.Registration = strings.ToLower(strings.TrimSpace(a.Registration))
	a.TLS.Mode = strings.ToLower(strings.TrimSpace(a.TLS.Mode))
	a.Database.Driver = strings.ToLower(strings.TrimSpace(a.Database.Driver))
	a.Proxy.normalize()
	a.Kubernetes.normalize()
	for _, list := range [][]string{a.Modules.Enable, a.Modules.Disable} {
		for i, m := range list {
			list[i] = strings.TrimSpace(m)
		}
	}
}

// NormalizeJID returns an admin's JID as the answers keep it: trimmed, the
// localpart in lower case, the domain as NormalizeDomain writes it.
func NormalizeJID(j string) string {
	j = trimBlank(j)
	if local, dom, ok := strings.Cut(j, "@"); ok {
		j = strings.ToLower(local) + "@" + NormalizeDomain(dom)
	}
	return j
}

func normalizeSeries(s Series) Series {
	switch v := strings.TrimSpace(string(s)); {
	case v == "13" || strings.HasPrefix(v, "13.0."):
		return Series13
	case strings.HasPrefix(v, "0.12."):
		return Series012
	default:
		return Series(v)
	}
}
