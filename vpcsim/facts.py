"""AWS facts: the numbers and address ranges vpcsim takes from AWS's documentation, each with its source.

Every other module reads these from here; a fact written twice drifts (there were 2-4 diverging
copies of the non-internet ranges and the ephemeral presets before). Plain data only: this module
imports nothing from the package, so any layer may use it.
"""

from __future__ import annotations

# -- address space that is not "the internet" -------------------------------------------------------
# The internet does not route these, so vpcsim never treats them as an internet source or
# destination. RFC 1918 private space, RFC 6598 shared space, and the IANA special-purpose blocks
# AWS also refuses as public: https://www.iana.org/assignments/iana-ipv4-special-registry/ and
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html ("IPv4 VPC CIDR blocks").
NOT_INTERNET: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "a 'this network' address"),
    ("10.0.0.0/8", "a private (RFC 1918) address"),
    ("100.64.0.0/10", "a shared (carrier-grade NAT, RFC 6598) address"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address"),
    ("172.16.0.0/12", "a private (RFC 1918) address"),
    ("192.168.0.0/16", "a private (RFC 1918) address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),
)
LINK_LOCAL = "169.254.0.0/16"

# -- gateway VPC endpoints --------------------------------------------------------------------------
# The services a gateway endpoint exists for; every other service has interface endpoints only
# (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
GATEWAY_ENDPOINT_SERVICES: tuple[str, ...] = ("s3", "dynamodb")

# -- representative internet addresses --------------------------------------------------------------
# Tried in order to stand for "the internet" when a flow names none: the first that no rule, route
# or prefix list of the design singles out (well-known public resolvers, then documentation ranges
# RFC 5737 as a last resort for class representatives). Not an AWS fact, but used wherever the
# internet needs an address: trace, check and the analyses must agree on it.
INTERNET_CANDIDATES: tuple[str, ...] = (
    "8.8.8.8", "1.1.1.1", "9.9.9.9", "208.67.222.222", "4.2.2.2", "203.0.113.50", "198.51.100.50",
)

# -- ephemeral port presets -------------------------------------------------------------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html: the client picks the
# source port; NACLs must admit the reply on that range. Linux's kernel default is 32768-60999 (AWS
# writes 32768-61000); Windows Server 2008 and later use 49152-65535; NAT gateways and Elastic Load
# Balancing use 1024-65535.
EPHEMERAL_PRESETS: dict[str, tuple[int, int]] = {
    "linux": (32768, 60999),
    "windows": (49152, 65535),
    "nat": (1024, 65535),
}
LINUX_EPHEMERAL = EPHEMERAL_PRESETS["linux"]
# A NAT gateway translates source ports into 1024-65535:
# https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html
NAT_GATEWAY_PORTS = EPHEMERAL_PRESETS["nat"]

# ICMP queries and the type that answers each (echo, timestamp, information, address mask): RFC 792.
ICMP_REPLIES: dict[int, int] = {8: 0, 13: 14, 15: 16, 17: 18}

# -- default quotas and hard limits -----------------------------------------------------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
VPC_CIDR_QUOTA = 5  # IPv4 CIDR blocks per VPC (adjustable to 50)
SG_PER_ENI_QUOTA = 5  # security groups per network interface (adjustable)
SG_PER_ENI_LIMIT = 16  # ... at most
NACL_RULE_QUOTA = 20  # rules per network ACL direction (adjustable)
NACL_RULE_LIMIT = 40  # ... at most
SG_RULE_QUOTA = 60  # inbound or outbound rules per security group
ROUTE_QUOTA = 50  # non-propagated routes per route table (adjustable)
ROUTE_LIMIT = 1000  # ... at most
# Prefix lengths AWS accepts for a VPC CIDR block and for a subnet (/16 to /28):
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
MIN_PREFIX = 16
MAX_PREFIX = 28
# AWS reserves "the first four IP addresses and the last IP address in each subnet CIDR block"
# (VPC User Guide, "Subnet CIDR blocks"): a free address lies in [first + 4, last - 1].
SUBNET_RESERVED_HEAD = 4
SUBNET_RESERVED_TAIL = 1

# -- critical service ports (exposure severity) -----------------------------------------------------
# Databases, caches, search engines and remote administration: open to the whole internet, each is
# a known way in, graded critical. AWS Config's restricted-common-ports rule names the core of this
# list (20, 21, 3389, 3306, 4333 ...):
# https://docs.aws.amazon.com/config/latest/developerguide/restricted-common-ports.html
# (protocol, port) -> service name.
CRITICAL_SERVICES: dict[tuple[str, int], str] = {
    ("tcp", 21): "ftp", ("tcp", 22): "ssh", ("tcp", 23): "telnet", ("tcp", 135): "msrpc",
    ("tcp", 139): "netbios", ("tcp", 445): "smb", ("tcp", 1433): "mssql", ("tcp", 1434): "mssql-browser",
    ("tcp", 1521): "oracle", ("tcp", 2049): "nfs", ("tcp", 2375): "docker-api", ("tcp", 2376): "docker-api-tls",
    ("tcp", 2379): "etcd", ("tcp", 3306): "mysql", ("tcp", 3389): "rdp", ("tcp", 5432): "postgres",
    ("tcp", 5601): "kibana", ("tcp", 5900): "vnc", ("tcp", 5984): "couchdb", ("tcp", 5985): "winrm",
    ("tcp", 5986): "winrm-tls", ("tcp", 6379): "redis", ("tcp", 7000): "cassandra", ("tcp", 7001): "cassandra-tls",
    ("tcp", 8086): "influxdb", ("tcp", 9042): "cassandra-cql", ("tcp", 9092): "kafka", ("tcp", 9200): "elasticsearch",
    ("tcp", 9300): "elasticsearch-transport", ("tcp", 11211): "memcached", ("tcp", 2181): "zookeeper",
    ("tcp", 27017): "mongodb", ("tcp", 27018): "mongodb", ("tcp", 27019): "mongodb", ("tcp", 6443): "kubernetes-api",
    ("tcp", 10250): "kubelet", ("udp", 161): "snmp", ("udp", 11211): "memcached", ("udp", 2049): "nfs",
    ("udp", 137): "netbios", ("udp", 138): "netbios", ("udp", 1434): "mssql-browser",
}
# Other well-known ports, named in findings (not graded by name).
OTHER_SERVICES: dict[tuple[str, int], str] = {
    ("tcp", 25): "smtp", ("tcp", 53): "dns", ("udp", 53): "dns", ("tcp", 80): "http", ("tcp", 443): "https",
    ("udp", 443): "quic", ("udp", 123): "ntp", ("tcp", 8080): "http-alt", ("tcp", 8443): "https-alt",
    ("udp", 500): "ike", ("udp", 4500): "ipsec-nat-t", ("udp", 1194): "openvpn", ("udp", 51820): "wireguard",
}
# Open to the world on purpose on a web tier (graded info): tcp 80/443, QUIC, and ICMP.
WEB_PORTS: dict[str, tuple[tuple[int, int], ...]] = {"tcp": ((80, 80), (443, 443)), "udp": ((443, 443),)}
# Database engines' default ports, for lint's "database reachable from the internet" rule.
DATABASE_PORTS: dict[int, str] = {
    1433: "SQL Server",
    1521: "Oracle",
    3306: "MySQL/MariaDB",
    5432: "PostgreSQL",
    5439: "Redshift",
    6379: "Redis",
    9042: "Cassandra",
    9200: "Elasticsearch/OpenSearch",
    11211: "Memcached",
    27017: "MongoDB",
}

__all__ = [
    "CRITICAL_SERVICES",
    "DATABASE_PORTS",
    "EPHEMERAL_PRESETS",
    "GATEWAY_ENDPOINT_SERVICES",
    "ICMP_REPLIES",
    "INTERNET_CANDIDATES",
    "LINK_LOCAL",
    "LINUX_EPHEMERAL",
    "MAX_PREFIX",
    "MIN_PREFIX",
    "NACL_RULE_LIMIT",
    "NACL_RULE_QUOTA",
    "NAT_GATEWAY_PORTS",
    "NOT_INTERNET",
    "OTHER_SERVICES",
    "ROUTE_LIMIT",
    "ROUTE_QUOTA",
    "SG_PER_ENI_LIMIT",
    "SG_PER_ENI_QUOTA",
    "SG_RULE_QUOTA",
    "SUBNET_RESERVED_HEAD",
    "SUBNET_RESERVED_TAIL",
    "VPC_CIDR_QUOTA",
    "WEB_PORTS",
]
