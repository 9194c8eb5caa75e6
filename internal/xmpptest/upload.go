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

// UploadSlot asks the file share up for a slot for body, a text file
// (XEP-0363): the URL to PUT it to (and GET it from: Prosody's are the
// same) and the headers the PUT must carry.
func (c *Conn) UploadSlot(up, filename, body string) (string, map[string]string, error) {
	s, err := c.RequestSlot(up, filename, len(body), "text/plain")
	return s.Put, s.Headers, err
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
	if err := put(ctx, client, s.Put, contentType, data, s.Headers, web.Header); err != nil {
		return s, err
	}
	return s, fetch(ctx, client, s.Get, data, web.Header)
}

// Share uploads body to a slot's URL with its headers (XEP-0363's HTTP
// PUT), then requires it back from the same URL (Fetch).
func Share(ctx context.Context, client *http.Client, url, body string, headers map[string]string) error {
	if err := put(ctx, client, url, "text/plain", []byte(body), headers, nil); err != nil {
		return err
	}
	return Fetch(ctx, client, url, body)
}

// Fetch requires url to serve body.
func Fetch(ctx context.Context, client *http.Client, url, body string) error {
	return fetch(ctx, client, url, []byte(body), nil)
}

// put PUTs data to a slot's URL with the slot's headers and extra.
func put(ctx context.Context, client *http.Client, url, contentType string, data []byte, slot map[string]string, extra http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	Web{Header: extra}.addHeader(req)
	for k, v := range slot {
		req.Header.Set(k, v) // the slot's Authorization, as XEP-0363 says
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("PUT %s: %w", url, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PUT %s: %s: %q", url, resp.Status, body)
	}
	return nil
}

// fetch GETs url (with extra headers) and requires data.
func fetch(ctx context.Context, client *http.Client, url string, data []byte, extra http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	Web{Header: extra}.addHeader(req)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, int64(len(data))+1024))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: %s: %.300q", url, resp.Status, got)
	case !bytes.Equal(got, data) && len(data) <= 300:
		return fmt.Errorf("GET %s returned %q, want %q", url, got, data)
	case !bytes.Equal(got, data):
		return fmt.Errorf("GET %s returned %d bytes that differ from the %d uploaded", url, len(got), len(data))
	}
	return nil
}
