package testkit

import "fmt"

// NginxMain is the main nginx.conf the suites run Debian's nginx with
// around a generated snippet: in the foreground (the test's child), one
// worker, pid, logs and temporary folders all in dir, and the snippet
// (site) included in the http block, as Debian's nginx.conf includes
// sites-enabled/. Test plumbing only: nothing of the snippet is changed.
func NginxMain(dir, site string) string {
	return fmt.Sprintf(`# Test plumbing around the generated snippet: everything in %[1]s.
daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 128; }
http {
	access_log %[1]s/access.log;
	client_body_temp_path %[1]s/client_body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	include %[2]s;
}
`, dir, site)
}
