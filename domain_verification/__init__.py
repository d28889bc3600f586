"""Domain verification: look up a domain's TXT record and say whether it proves control.

Kept apart from store/ because it talks to the network; the store only records what it
found. The resolver is the configured one (`domains.resolver`, else the system's), and
every look-up is bounded by `domains.timeout_seconds` in all: a resolver that fails or
does not answer makes a verification fail with its reason, never an error of the request.
"""
import dns.exception
import dns.resolver

from goldenrecord.settings import resolver_address


class DnsVerifier:
    """`failure(name, expected)`: None when a TXT record at `name` holds `expected`, else
    why not, in words."""

    def __init__(self, resolver="", timeout_seconds=3.0):
        self._resolver = resolver
        self._timeout = timeout_seconds

    def _make_resolver(self):
        if not self._resolver:
            resolver = dns.resolver.Resolver()  # the system's configuration
        else:
            host, port = resolver_address(self._resolver)
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [host]
            resolver.port = port
        resolver.timeout = resolver.lifetime = self._timeout
        return resolver

    def failure(self, name, expected):
        try:
            answer = self._make_resolver().resolve(name, "TXT", raise_on_no_answer=False,
                                                   search=False)
        except dns.resolver.NXDOMAIN:
            return f"No DNS name {name} exists (NXDOMAIN)"
        except dns.resolver.LifetimeTimeout:
            return f"The DNS resolver did not answer within {self._timeout:g} s"
        except dns.resolver.NoNameservers:
            return "The DNS resolver failed to answer (SERVFAIL or refused)"
        except dns.resolver.NoResolverConfiguration:
            return "No DNS resolver is configured (domains.resolver)"
        except dns.exception.DNSException as error:
            return f"The DNS look-up failed: {error.__class__.__name__}"
        values = [b"".join(record.strings).decode("utf-8", "replace")
                  for record in (answer.rrset or ())]
        if not values:
            return f"No TXT record at {name}"
        if expected not in values:
            return f"The TXT records at {name} do not hold the expected value"
        return None
