package config

// catalogModules returns the data of the module catalog, sorted by Name.
// It is a function, not a variable, so that its maps are built when the
// catalog is first used rather than at every start (--version included).
//
// It was taken from Debian's packages, reading each module's source:
//   - 0.12: bookworm's prosody 0.12.3-1+deb12u1 and
//     prosody-modules 0.0~hg20230223.556bf57d6417+dfsg-1;
//   - 13.0: bookworm-backports' prosody 13.0.1-1~bpo12+1 and
//     prosody-modules 0.0~hg20250402.f315edc39f3d+dfsg-1~bpo12+1.
//
// In: a module is Core when the prosody package ships it (as mod_X.lua,
// mod_X/mod_X.lua or X/mod_X.lua under /usr/lib/prosody/modules), and
// Community only when that series' prosody-modules package ships a loadable
// copy of it.
//
// AutoLoaded follows autoload_modules in core/modulemanager.lua (0.12 also
// autoloads the platform module, prosody.platform, i.e. posix on Debian).
//
// Depends lists what module:depends (and module:daily/hourly/weekly/cron,
// which depend on cron) loads unconditionally or under default options, in
// every series the module exists in. Because Depends is shared by the
// series, a dependency found in only one series, or only behind a non-default
// option, is written in a comment instead (and allowed in the test).
//
// To refresh it: install (or apt-get download and dpkg -x) both series'
// prosody and prosody-modules, list the modules with dpkg -L / dpkg-deb -c,
// grep the sources for module:depends, and run
// `PW_REQUIRE_PROSODY=1 go test ./config` on a machine with each series
// installed: catalog_data_test.go checks this data against the install.
func catalogModules() []Module {
	return []Module{
		{
			Name:    "account_activity",
			Summary: "Records when each account was last used",
			Group:   "Accounts",
			In:      map[Series]Origin{Series13: Core},
		},
		{
			// Not in Debian's default modules_enabled; pulled in by admin_adhoc,
			// announce, uptime, invites_adhoc and muc.
			Name:     "adhoc",
			Summary:  "Runs the ad-hoc commands (XEP-0050) that other modules offer",
			Group:    "Core protocol",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:    "admin_adhoc",
			Summary: "Lets admins manage the server from their XMPP client",
			Group:   "Admin",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"adhoc"},
		},
		{
			Name:    "admin_shell",
			Summary: "Live admin console reached with 'prosodyctl shell'",
			Group:   "Admin",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"admin_socket"},
		},
		{
			Name:     "admin_socket",
			Summary:  "Unix socket that 'prosodyctl shell' connects to",
			Group:    "Admin",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:    "admin_telnet",
			Summary: "Old unencrypted telnet admin console on port 5582",
			Group:   "Admin",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"admin_shell"},
		},
		{
			Name:    "announce",
			Summary: "Lets admins broadcast a message to all online users",
			Group:   "Admin",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"adhoc"},
		},
		{
			Name:     "auth_anonymous",
			Summary:  "Anonymous logins with throwaway accounts",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:     "auth_insecure",
			Summary:  "Accepts any password; for testing only",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			// 13.0: module:depends("tokenauth") unconditionally (not in 0.12).
			Name:     "auth_internal_hashed",
			Summary:  "Stores passwords as salted hashes (the default)",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:     "auth_internal_plain",
			Summary:  "Stores passwords in plain text",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:     "auth_ldap",
			Summary:  "Checks passwords against an LDAP directory (needs lualdap)",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:     "authz_internal",
			Summary:  "Gives admin rights and roles from the config file",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:    "blocklist",
			Summary: "Lets users block unwanted contacts (XEP-0191)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "bookmarks",
			Summary: "Syncs a user's group chat bookmarks across clients",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"pep"},
		},
		{
			// 13.0 also soft-depends on http_altconnect on VirtualHosts.
			Name:    "bosh",
			Summary: "XMPP over HTTP (BOSH, /http-bind) for web clients",
			Group:   "HTTP",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"http"},
			Needs:   NeedsHTTP,
		},
		{
			Name:       "c2s",
			Summary:    "Accepts connections from users' clients",
			Group:      "Core protocol",
			In:         map[Series]Origin{Series012: Core, Series13: Core},
			AutoLoaded: map[Series]bool{Series012: true, Series13: true},
		},
		{
			Name:    "carbons",
			Summary: "Syncs messages across a user's devices (XEP-0280)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// Community on 0.12, moved into Prosody in 13.0 (Debian's 13.0
			// prosody-modules no longer ships it).
			Name:    "cloud_notify",
			Summary: "Wakes sleeping mobile apps with push notifications (XEP-0357)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Community, Series13: Core},
		},
		{
			// Used automatically for a bare Component "x" line.
			Name:     "component",
			Summary:  "Lets external components connect to the server (XEP-0114)",
			Group:    "Components",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Needs:    NeedsComponent,
			Implicit: true,
		},
		{
			Name:     "cron",
			Summary:  "Runs periodic cleanup tasks for other modules",
			Group:    "Admin",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:     "csi",
			Summary:  "Tracks whether each client is active (XEP-0352)",
			Group:    "Client experience",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:    "csi_battery_saver",
			Summary: "Queues unimportant traffic for idle phones to save battery",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"csi"}, // + track_muc_joins when csi_battery_saver_filter_muc is set
		},
		{
			Name:    "csi_simple",
			Summary: "Holds back unimportant traffic for idle mobile clients",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"csi"},
		},
		{
			Name:    "debug_reset",
			Summary: "Resets the server when the last client leaves (for tests)",
			Group:   "Debug",
			In:      map[Series]Origin{Series13: Core},
		},
		{
			Name:    "debug_sql",
			Summary: "Logs every SQL query storage_sql makes",
			Group:   "Debug",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "dialback",
			Summary: "Verifies other servers through DNS (server dialback)",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "disco",
			Summary: "Lets clients discover what the server offers (XEP-0030)",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// Both it and turncredentials answer urn:xmpp:extdisco:1 queries.
			Name:      "external_services",
			Summary:   "Announces STUN/TURN and other services to clients (XEP-0215)",
			Group:     "Services",
			In:        map[Series]Origin{Series012: Core, Series13: Core},
			Conflicts: []string{"turncredentials"},
		},
		{
			Name:    "filter_chatstates",
			Summary: "Drops typing notifications for idle clients",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"csi"},
		},
		{
			// Its scripts can pull in groups (GROUP rules).
			Name:    "firewall",
			Summary: "Filters stanzas with scripted rules, e.g. against spam",
			Group:   "Admin",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
		},
		{
			// 13.0's prosody-modules also ships a 0.12-only mod_flags; its
			// "--% conflicts: mod_flags" header makes 13.0 skip it for the core one.
			Name:    "flags",
			Summary: "Lets admins put flags on accounts from the shell",
			Group:   "Admin",
			In:      map[Series]Origin{Series13: Core},
		},
		{
			Name:    "groups",
			Summary: "Shared contact groups read from a file",
			Group:   "Admin",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// NeedsHTTP: it is the web server itself, so the HTTP ports are used.
			Name:    "http",
			Summary: "Built-in web server that HTTP modules run on",
			Group:   "HTTP",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"http_errors"},
			Needs:   NeedsHTTP,
		},
		{
			// Community on 0.12 but not packaged by Debian for bookworm.
			Name:    "http_altconnect",
			Summary: "Advertises BOSH/WebSocket URLs via host-meta (XEP-0156)",
			Group:   "HTTP",
			In:      map[Series]Origin{Series13: Core},
			Depends: []string{"http"},
			Needs:   NeedsHTTP,
		},
		{
			Name:     "http_errors",
			Summary:  "Styled error pages for the built-in web server",
			Group:    "HTTP",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			// http only when http_file_share_base_url is unset; cron via
			// module:daily/weekly.
			Name:    "http_file_share",
			Summary: "Lets users upload files to share in chats (XEP-0363)",
			Group:   "Components",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"cron", "disco", "http"},
			Needs:   NeedsHTTP | NeedsArchive | NeedsComponent,
		},
		{
			Name:    "http_files",
			Summary: "Serves static files from a folder over HTTP",
			Group:   "HTTP",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"http"},
			Needs:   NeedsHTTP,
		},
		{
			Name:    "http_openmetrics",
			Summary: "Exposes server metrics for Prometheus at /metrics",
			Group:   "HTTP",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"http"},
			Needs:   NeedsHTTP,
		},
		{
			// Superseded by http_file_share; Debian's 13.0 prosody-modules has
			// only an empty mod_http_upload/ directory.
			Name:    "http_upload",
			Summary: "Older file upload component (XEP-0363)",
			Group:   "Components",
			In:      map[Series]Origin{Series012: Community},
			Depends: []string{"disco", "http"},
			Needs:   NeedsHTTP | NeedsComponent,
		},
		{
			Name:    "http_upload_external",
			Summary: "File uploads stored by a separate web server (XEP-0363)",
			Group:   "Components",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"disco"},
			Needs:   NeedsComponent,
		},
		{
			// 0.12 depends on itself (and on invites_page when loaded) only
			// inside its prosodyctl command.
			Name:    "invites",
			Summary: "Creates and manages invite links",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "invites_adhoc",
			Summary: "Lets users and admins create invites from their client",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"adhoc", "invites"},
		},
		{
			Name:    "invites_api",
			Summary: "HTTP API for creating invites from other software",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"http", "invites"},
			Needs:   NeedsHTTP,
		},
		{
			// http and register_apps unless invites_page_external is set.
			Name:    "invites_page",
			Summary: "Web page that guides invited people to an app and sign-up",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"http", "invites", "register_apps"},
			Needs:   NeedsHTTP,
		},
		{
			// registration_invite_only (default true) pulls in register_ibr.
			Name:    "invites_register",
			Summary: "Lets invited people create an account (XEP-0401)",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"invites", "register_ibr"},
		},
		{
			// Bookworm's prosody-modules ships it, but it cannot load there: it
			// depends on password_policy, which only the 13.0 package ships. So it
			// is Missing (not Broken) on 0.12. Also conversejs when that is loaded.
			Name:    "invites_register_web",
			Summary: "Web sign-up form for people with an invite link",
			Group:   "Accounts",
			In:      map[Series]Origin{Series13: Community},
			Depends: []string{"http", "invites", "invites_page", "password_policy", "register_apps"},
			Needs:   NeedsHTTP,
		},
		{
			Name:       "iq",
			Summary:    "Routes IQ requests between users and services",
			Group:      "Core protocol",
			In:         map[Series]Origin{Series012: Core, Series13: Core},
			AutoLoaded: map[Series]bool{Series012: true, Series13: true},
		},
		{
			Name:    "lastactivity",
			Summary: "Tells contacts when a user was last online (XEP-0012)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "lastlog2",
			Summary: "Records each account's last login, logout and sign-up",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
		},
		{
			// Dropped from the 13.0 sample config.
			Name:    "legacyauth",
			Summary: "Old pre-SASL login for very old clients (XEP-0078)",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "limits",
			Summary: "Limits how fast each connection may send data",
			Group:   "Admin",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// cron unless archive_expires_after = "never" (default "1w").
			Name:    "mam",
			Summary: "Keeps users' message history on the server (XEP-0313)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"cron"},
			Needs:   NeedsArchive,
		},
		{
			Name:       "message",
			Summary:    "Routes chat messages",
			Group:      "Core protocol",
			In:         map[Series]Origin{Series012: Core, Series13: Core},
			AutoLoaded: map[Series]bool{Series012: true, Series13: true},
		},
		{
			Name:    "mimicking",
			Summary: "Refuses usernames that look like existing ones",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "motd",
			Summary: "Sends users a message of the day when they log in",
			Group:   "Admin",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// 13.0 also depends on vcard (room avatars) unless muc_vcard = false.
			Name:    "muc",
			Summary: "Group chat rooms (XEP-0045)",
			Group:   "Components",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"adhoc", "disco", "muc_unique"},
			Needs:   NeedsComponent,
		},
		{
			// Enabled inside the MUC component: it must never go in the global
			// modules_enabled. cron unless muc_log_expires_after = "never".
			Name:    "muc_mam",
			Summary: "Keeps group chat history on the server (XEP-0313)",
			Group:   "Components",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"cron", "muc"},
			Needs:   NeedsArchive | NeedsComponent,
		},
		{
			// Enabled inside the MUC component; it edits muc_mam's archive.
			Name:    "muc_moderation",
			Summary: "Lets room moderators retract messages (XEP-0425)",
			Group:   "Components",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"muc"},
			Needs:   NeedsArchive | NeedsComponent,
		},
		{
			Name:     "muc_unique",
			Summary:  "Hands out unique room names (XEP-0307)",
			Group:    "Components",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:    "net_multiplex",
			Summary: "Serves several protocols on one port",
			Group:   "Network",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:       "offline",
			Summary:    "Stores messages for users who are offline",
			Group:      "Client experience",
			In:         map[Series]Origin{Series012: Core, Series13: Core},
			Needs:      NeedsArchive,
			AutoLoaded: map[Series]bool{Series012: true, Series13: true},
		},
		{
			// Only 13.0's prosody-modules ships it.
			Name:    "password_policy",
			Summary: "Enforces a minimum password length and strength",
			Group:   "Accounts",
			In:      map[Series]Origin{Series13: Community},
		},
		{
			// Persistent PEP items are kept in an archive store.
			Name:      "pep",
			Summary:   "Publishes users' avatars, profiles and keys (XEP-0163)",
			Group:     "Client experience",
			In:        map[Series]Origin{Series012: Core, Series13: Core},
			Needs:     NeedsArchive,
			Conflicts: []string{"pep_simple"},
		},
		{
			Name:      "pep_plus",
			Summary:   "Old name of pep, kept for old configs",
			Group:     "Client experience",
			In:        map[Series]Origin{Series012: Core, Series13: Core},
			Depends:   []string{"pep"},
			Conflicts: []string{"pep_simple"},
		},
		{
			Name:      "pep_simple",
			Summary:   "Older, simpler PEP; replaced by pep",
			Group:     "Client experience",
			In:        map[Series]Origin{Series012: Core, Series13: Core},
			Conflicts: []string{"pep", "pep_plus"},
		},
		{
			Name:    "ping",
			Summary: "Answers XMPP pings (XEP-0199)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// The platform module: autoloaded on 0.12 (pidfile, signals, umask,
			// daemonizing); an empty stub in 13.0, whose startup does that work.
			// Debian's sample configs still list it; it is harmless there.
			Name:       "posix",
			Summary:    "Unix process handling: pidfile, signals, umask",
			Group:      "Admin",
			In:         map[Series]Origin{Series012: Core, Series13: Core},
			AutoLoaded: map[Series]bool{Series012: true},
			Implicit:   true,
		},
		{
			Name:       "presence",
			Summary:    "Routes presence and handles contact subscriptions",
			Group:      "Core protocol",
			In:         map[Series]Origin{Series012: Core, Series13: Core},
			AutoLoaded: map[Series]bool{Series012: true, Series13: true},
		},
		{
			Name:    "private",
			Summary: "Private XML storage for clients (XEP-0049)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "proxy65",
			Summary: "Relays file transfers between users behind NAT (XEP-0065)",
			Group:   "Components",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"disco"},
			Needs:   NeedsComponent,
		},
		{
			// Node items are kept in an archive store.
			Name:    "pubsub",
			Summary: "Standalone publish-subscribe service (XEP-0060)",
			Group:   "Components",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"disco"},
			Needs:   NeedsArchive | NeedsComponent,
		},
		{
			// register_ibr and watchregistrations only when allow_registration
			// is true.
			Name:    "register",
			Summary: "Account sign-up and password change from clients",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"user_account_management"},
		},
		{
			// Pulled in by invites_page and invites_register_web; configured
			// with site_apps.
			Name:     "register_apps",
			Summary:  "List of recommended client apps for the invite pages",
			Group:    "Accounts",
			In:       map[Series]Origin{Series012: Community, Series13: Community},
			Depends:  []string{"http"},
			Needs:    NeedsHTTP,
			Implicit: true,
		},
		{
			Name:     "register_ibr",
			Summary:  "In-band account registration protocol (XEP-0077)",
			Group:    "Accounts",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Depends:  []string{"register_limits"},
			Implicit: true,
		},
		{
			Name:     "register_limits",
			Summary:  "Throttles sign-ups and applies allow/block lists",
			Group:    "Accounts",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:    "register_web",
			Summary: "Web form for creating an account",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"http", "register_limits"},
			Needs:   NeedsHTTP,
		},
		{
			Name:    "roster",
			Summary: "Stores users' contact lists",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// 13.0 also depends on s2s_auth_dane_in when use_dane = true.
			Name:       "s2s",
			Summary:    "Connects to other servers (federation)",
			Group:      "Core protocol",
			In:         map[Series]Origin{Series012: Core, Series13: Core},
			AutoLoaded: map[Series]bool{Series012: true, Series13: true},
		},
		{
			Name:       "s2s_auth_certs",
			Summary:    "Authenticates other servers by their certificates",
			Group:      "Core protocol",
			In:         map[Series]Origin{Series012: Core, Series13: Core},
			AutoLoaded: map[Series]bool{Series012: true, Series13: true},
		},
		{
			// Loaded by s2s when use_dane = true.
			Name:     "s2s_auth_dane_in",
			Summary:  "Checks incoming servers' certificates against DANE records",
			Group:    "Core protocol",
			In:       map[Series]Origin{Series13: Core},
			Implicit: true,
		},
		{
			Name:    "s2s_bidi",
			Summary: "Uses one connection both ways between servers (XEP-0288)",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "sasl2",
			Summary: "Newer, faster login protocol for clients (XEP-0388)",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
		},
		{
			Name:    "sasl2_bind2",
			Summary: "Starts a client session during SASL2 login (XEP-0386)",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"sasl2"},
		},
		{
			Name:    "sasl2_fast",
			Summary: "Fast reconnection with login tokens (XEP-0484)",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"sasl2"},
		},
		{
			// 13.0's copy also depends on sasl2_bind2.
			Name:    "sasl2_sm",
			Summary: "Resumes dropped sessions during SASL2 login",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"sasl2", "smacks"},
		},
		{
			Name:    "saslauth",
			Summary: "Password login for clients and servers (SASL)",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "scansion_record",
			Summary: "Records sessions as scansion test scripts",
			Group:   "Debug",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// 13.0 depends on server_info unconditionally (13.0 only).
			Name:    "server_contact_info",
			Summary: "Publishes the admins' contact addresses (XEP-0157)",
			Group:   "Admin",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "server_info",
			Summary: "Publishes extra server details in discovery (XEP-0128)",
			Group:   "Admin",
			In:      map[Series]Origin{Series13: Core},
		},
		{
			Name:    "smacks",
			Summary: "Resumes dropped connections without losing messages (XEP-0198)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "stanza_debug",
			Summary: "Logs every stanza sent and received",
			Group:   "Debug",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:     "storage_internal",
			Summary:  "Stores data in files under the data directory (the default)",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:     "storage_memory",
			Summary:  "Keeps data in memory only; it is lost on restart",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:     "storage_none",
			Summary:  "Stores nothing at all",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:     "storage_sql",
			Summary:  "Stores data in SQLite, PostgreSQL or MySQL (needs LuaDBI)",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:     "storage_xep0227",
			Summary:  "Stores data in XEP-0227 XML files",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:    "throttle_presence",
			Summary: "Holds back presence updates for idle clients",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"csi"},
		},
		{
			Name:    "time",
			Summary: "Tells clients the server's time (XEP-0202)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "tls",
			Summary: "Encrypts client and server connections (STARTTLS)",
			Group:   "Core protocol",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// 13.0: cron (module:daily); auth_internal_hashed depends on it.
			Name:     "tokenauth",
			Summary:  "Issues and checks login tokens for other modules",
			Group:    "Auth and storage",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:    "tombstones",
			Summary: "Stops deleted usernames from being registered again",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:      "turn_external",
			Summary:   "Hands out credentials for an external TURN server",
			Group:     "Services",
			In:        map[Series]Origin{Series012: Core, Series13: Core},
			Depends:   []string{"external_services"},
			Conflicts: []string{"turncredentials"},
		},
		{
			// Superseded by turn_external; both answer urn:xmpp:extdisco:1.
			Name:      "turncredentials",
			Summary:   "Older module handing out TURN credentials (XEP-0215)",
			Group:     "Services",
			In:        map[Series]Origin{Series012: Community, Series13: Community},
			Conflicts: []string{"external_services", "turn_external"},
		},
		{
			Name:    "unified_push",
			Summary: "UnifiedPush provider: delivers app notifications over XMPP",
			Group:   "Services",
			In:      map[Series]Origin{Series012: Community, Series13: Community},
			Depends: []string{"disco", "http"},
			Needs:   NeedsHTTP,
		},
		{
			// Platform module for platforms that are neither posix nor windows.
			Name:     "unknown",
			Summary:  "Empty platform module for unknown systems",
			Group:    "Admin",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:    "uptime",
			Summary: "Tells clients how long the server has been running",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"adhoc"},
		},
		{
			// 13.0: cron (module:daily, removes soft-deleted accounts).
			Name:     "user_account_management",
			Summary:  "Handles password changes and account deletion",
			Group:    "Accounts",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
		{
			Name:      "vcard",
			Summary:   "Stores old-style vCard profiles (XEP-0054)",
			Group:     "Client experience",
			In:        map[Series]Origin{Series012: Core, Series13: Core},
			Conflicts: []string{"vcard_legacy"},
		},
		{
			Name:    "vcard4",
			Summary: "vCard4 user profiles published via PEP (XEP-0292)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"pep"},
		},
		{
			Name:      "vcard_legacy",
			Summary:   "Bridges old vCards and avatars to PEP (replaces vcard)",
			Group:     "Client experience",
			In:        map[Series]Origin{Series012: Core, Series13: Core},
			Depends:   []string{"pep"},
			Conflicts: []string{"vcard"},
		},
		{
			// Enabled inside the MUC component. 13.0's muc does this itself
			// (muc_vcard) and Debian dropped the module from its 13.0 package.
			Name:    "vcard_muc",
			Summary: "Room avatars and vCards for group chats",
			Group:   "Components",
			In:      map[Series]Origin{Series012: Community},
			Depends: []string{"muc"},
			Needs:   NeedsComponent,
		},
		{
			Name:    "version",
			Summary: "Tells clients the server software version (XEP-0092)",
			Group:   "Client experience",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			Name:    "watchregistrations",
			Summary: "Tells admins when someone registers an account",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// 13.0 also soft-depends on http_altconnect on VirtualHosts.
			Name:    "websocket",
			Summary: "XMPP over WebSocket (/xmpp-websocket) for web clients",
			Group:   "HTTP",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
			Depends: []string{"c2s", "http"},
			Needs:   NeedsHTTP,
		},
		{
			Name:    "welcome",
			Summary: "Sends a welcome message to newly registered users",
			Group:   "Accounts",
			In:      map[Series]Origin{Series012: Core, Series13: Core},
		},
		{
			// Platform module used on Windows.
			Name:     "windows",
			Summary:  "Empty platform module for Windows",
			Group:    "Admin",
			In:       map[Series]Origin{Series012: Core, Series13: Core},
			Implicit: true,
		},
	}
}
