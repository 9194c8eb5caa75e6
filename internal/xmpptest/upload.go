package xmpptest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
)

// Slot is an upload slot (XEP-0363): where to PUT the file, with which
// headers, and where it is fetched from.
type Slot struct {
	Put     string
	Get     string
	Headers map[string]string
}

// RequestSlot asks the upload component for a slot for a file of size
// bytes.
func (c *Conn) RequestSlot(component, filename string, size int, contentType string) (Slot, error) {
	res, err := c.IQ("get", component, fmt.Sprintf("<request xmlns='urn:xmpp:http:upload:0' filename='%s' size='%d' content-type='%s'/>",
		Text(filename), size, Text(contentType)))
	if err != nil {
		return Slot{}, fmt.Errorf("upload slot: %w", err)
	}
	var iq struct {
		Slot struct {
			Put struct {
				URL     string `xml:"url,attr"`
				Headers []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:",chardata"`
				} `xml:"header"`
			} `xml:"put"`
			Get struct {
				URL string `xml:"url,attr"`
			} `xml:"get"`
		} `xml:"urn:xmpp:http:upload:0 slot"`
	}
	if err := xml.Unmarshal([]byte(res), &iq); err != nil {
		return Slot{}, fmt.Errorf("upload slot: %w: %s", err, res)
	}
	s := Slot{Put: iq.Slot.Put.URL, Get: iq.Slot.Get.URL, Headers: map[string]string{}}
	if s.Put == "" || s.Get == "" {
		return Slot{}, fmt.Errorf("upload slot without a put and a get URL: %s", res)
	}
	for _, h := range iq.Slot.Put.Headers {
		s.Headers[h.Name] = h.Value
	}
	return s, nil
}

// Upload requests a slot from component, PUTs data to it with the slot's
// headers, GETs it back from the slot's get URL and compares: what a
// client does to share a file, and what its contact's client does to see
// it. It returns the slot, for the URLs.
func (c *Conn) Upload(ctx context.Context, web Web, component, filename, contentType string, data []byte) (Slot, error) {
	s, err := c.RequestSlot(component, filename, len(data), contentType)
	if err != nil {
		return s, err
	}
	client := web.Client()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.Put, bytes.NewReader(data))
	if err != nil {
		return s, err
	}
	req.Header.Set("Content-Type", contentType)
	web.addHeader(req)
	for k, v := range s.Headers {
		req.Header.Set(k, v) // the slot's Authorization, as XEP-0363 says
	}
	resp, err := client.Do(req)
	if err != nil {
		return s, fmt.Errorf("PUT %s: %w", s.Put, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("PUT %s: %s: %q", s.Put, resp.Status, body)
	}
	get, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Get, nil)
	if err != nil {
		return s, err
	}
	web.addHeader(get)
	resp, err = client.Do(get)
	if err != nil {
		return s, fmt.Errorf("GET %s: %w", s.Get, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, int64(len(data))+1024))
	if err != nil {
		return s, fmt.Errorf("GET %s: %w", s.Get, err)
	}
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET %s: %s: %.300q", s.Get, resp.Status, got)
	}
	if !bytes.Equal(got, data) {
		return s, fmt.Errorf("GET %s returned %d bytes that differ from the %d uploaded", s.Get, len(got), len(data))
	}
	return s, nil
}
