// Package egress keeps the registry's outbound requests (webhook
// deliveries) away from the networks an attacker who can register a URL
// would aim at: loopback, link-local (169.254.0.0/16, with the cloud
// metadata endpoint 169.254.169.254, and fe80::/10), private (RFC 1918,
// 100.64.0.0/10 shared address space, fc00::/7), multicast, unspecified
// and broadcast addresses, unless an administrator allows a CIDR
// explicitly (mlsec serve --webhook-allow).
//
// The check that matters happens at connect time: Guard.Control runs in
// the dialer after name resolution, on the very address the socket is
// about to connect to, so a name that resolved to a public address when
// the webhook was registered and to 127.0.0.1 when it is delivered (DNS
// rebinding) is refused. CheckURL, at registration, only refuses literal
// addresses and localhost names early, with a clear message: resolving a
// name then would prove nothing about the next resolution. Clients built
// by Guard.Client use no proxy (a proxy would connect on the registry's
// behalf, out of the guard's sight) and follow no redirects.
//
// IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) and NAT64 (64:ff9b::/96)
// addresses are judged by the IPv4 address they carry.
package egress
