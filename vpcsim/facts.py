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
# The IPv6 blocks the internet does not route (IANA's IPv6 special-purpose registry,
# https://www.iana.org/assignments/iana-ipv6-special-registry/): every other IPv6 address an AWS
# VPC holds is global, with no NAT in front of it
# (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html: "IPv6 addresses are
# globally unique ... public"). 64:ff9b::/96 reaches IPv4 only through a NAT gateway (NAT64).
NOT_INTERNET6: tuple[tuple[str, str], ...] = (
    ("::/96", "an IPv4-compatible (deprecated) or unspecified address"),
    ("::ffff:0:0/96", "an IPv4-mapped address"),
    ("64:ff9b::/96", "a NAT64 address (IPv4 through a NAT gateway, not the IPv6 internet)"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
    ("fc00::/7", "a unique local address"),
    ("fe80::/10", "a link-local address"),
    ("ff00::/8", "a multicast address"),
)
# DNS64 / NAT64: a NAT gateway translates IPv6 traffic to 64:ff9b::/96 into IPv4 to the address
# in the last 32 bits (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
NAT64_PREFIX = "64:ff9b::/96"

# -- resource states -------------------------------------------------------------------------------
# States in which describe-* output still lists a resource that no longer carries traffic (a NAT
# gateway's states: https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html; a
# peering's: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-lifecycle).
GONE_STATES: frozenset[str] = frozenset({"deleted", "deleting", "failed", "rejected", "expired", "terminated"})

# -- transit gateways --------------------------------------------------------------------------------
# Security group referencing across a transit gateway (2024): an option of the gateway, off unless
# turned on, and of each VPC attachment, on by default; it works within one region and not over
# peering attachments (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html,
# "Security group referencing").
TGW_SG_REFERENCING_DOC = "https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html"
TGW_SG_REFERENCING_DEFAULT = False
TGW_ATTACHMENT_SG_REFERENCING_DEFAULT = True

# -- instance states -------------------------------------------------------------------------------
# States in which AWS has released an instance's auto-assigned public IPv4 address: it is released
# when the instance stops (or hibernates, or terminates) and a new one is assigned at the next start;
# an Elastic IP stays associated
# (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html#concepts-public-addresses).
RELEASES_PUBLIC_IP: frozenset[str] = frozenset({"stopping", "stopped", "shutting-down", "terminated"})

# -- gateway VPC endpoints --------------------------------------------------------------------------
# The services a gateway endpoint exists for; every other service has interface endpoints only
# (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
GATEWAY_ENDPOINT_SERVICES: tuple[str, ...] = ("s3", "dynamodb")
# A Gateway Load Balancer reaches its appliances by GENEVE on UDP 6081, from its nodes in the
# target group's VPC (https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/target-groups.html).
GENEVE_PORT = 6081

# -- representative internet addresses --------------------------------------------------------------
# Tried in order to stand for "the internet" when a flow names none: the first that no rule, route
# or prefix list of the design singles out (well-known public resolvers, then documentation ranges
# RFC 5737 as a last resort for class representatives). Not an AWS fact, but used wherever the
# internet needs an address: trace, check and the analyses must agree on it.
INTERNET_CANDIDATES: tuple[str, ...] = (
    "8.8.8.8", "1.1.1.1", "9.9.9.9", "208.67.222.222", "4.2.2.2", "203.0.113.50", "198.51.100.50",
)
# The same for IPv6 (`internet6`): public resolvers' IPv6 addresses, then RFC 3849 documentation space.
INTERNET_CANDIDATES6: tuple[str, ...] = (
    "2001:4860:4860::8888", "2606:4700:4700::1111", "2620:fe::fe", "2001:db8:ffff::50",
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
# ICMPv6 queries and their replies: echo request 128 -> echo reply 129 (RFC 4443 section 4,
# https://www.rfc-editor.org/rfc/rfc4443#section-4), node information query 139 -> reply 140
# (RFC 4620). AWS documents that security groups track ICMP "connections" without listing the
# types (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html);
# inference: the query/reply pairs a stateful tracker pairs up, as Linux conntrack's invmap does.
ICMPV6_REPLIES: dict[int, int] = {128: 129, 139: 140}
# Query -> reply per ICMP protocol number (1 ICMP, 58 ICMPv6).
ICMP_REPLIES_BY_PROTO: dict[int, dict[int, int]] = {1: ICMP_REPLIES, 58: ICMPV6_REPLIES}

# Path MTU discovery's messages, as type*256+code: ICMP destination unreachable / fragmentation
# needed and DF set (3/4, RFC 1191) and ICMPv6 packet too big (type 2, code 0, RFC 4443 section 3.2).
# IPv6 routers never fragment, so on IPv6 path MTU discovery is mandatory (RFC 8201,
# https://www.rfc-editor.org/rfc/rfc8201#section-1): "The IPv6 protocol does not support
# fragmentation in the network ... returns ICMPv6 Packet Too Big (PTB) (Type 2)"
# (https://docs.aws.amazon.com/vpc/latest/userguide/path_mtu_discovery.html).
PMTUD_ICMP = 3 * 256 + 4
PMTUD_ICMPV6 = 2 * 256 + 0
PMTUD_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/path_mtu_discovery.html"

# NAT64 translates ICMPv6 to ICMP and back (stateful NAT64, RFC 6146 section 3.5.3, which
# translates headers by RFC 7915 section 5.2 / 4.2): {ICMPv6 (type, code): ICMP (type, code)};
# code None: every code of the type maps to the same code. Messages not listed (neighbour
# discovery, MLD, ...) are single-hop and dropped by the translator.
# AWS NAT gateways do NAT64 for TCP, UDP and ICMP:
# https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html
NAT64_ICMP6_TO_4: dict[tuple[int, int | None], tuple[int, int | None]] = {
    (128, None): (8, None),  # echo request
    (129, None): (0, None),  # echo reply
    (1, 0): (3, 1),  # no route to destination -> host unreachable
    (1, 1): (3, 10),  # administratively prohibited -> host administratively prohibited
    (1, 2): (3, 1),  # beyond scope of source address -> host unreachable
    (1, 3): (3, 1),  # address unreachable -> host unreachable
    (1, 4): (3, 3),  # port unreachable
    (2, None): (3, 4),  # packet too big -> fragmentation needed
    (3, None): (11, None),  # time exceeded, same code
    (4, 0): (12, 0),  # parameter problem, erroneous header field
    (4, 1): (3, 2),  # unrecognized next header -> protocol unreachable
}
# And back (RFC 7915 section 4.2): {ICMP (type, code): ICMPv6 (type, code)}.
NAT64_ICMP4_TO_6: dict[tuple[int, int | None], tuple[int, int | None]] = {
    (8, None): (128, None),
    (0, None): (129, None),
    (3, 0): (1, 0), (3, 1): (1, 0), (3, 2): (4, 1), (3, 3): (1, 4), (3, 4): (2, 0),
    (3, 5): (1, 0), (3, 6): (1, 0), (3, 7): (1, 0), (3, 8): (1, 0), (3, 9): (1, 1), (3, 10): (1, 1),
    (3, 11): (1, 0), (3, 12): (1, 0), (3, 13): (1, 1), (3, 15): (1, 1),
    (11, None): (3, None),
    (12, 0): (4, 0), (12, 2): (4, 0),
}

# Neighbour discovery (ICMPv6 133-137, RFC 4861) runs between an instance and the VPC router's
# link-local address, which security groups and network ACLs do not filter ("Reserved IP addresses
# used by the default VPC router", below). vpcsim neither walks nor flags it.
ND_TYPES: tuple[int, ...] = (133, 134, 135, 136, 137)

# -- Amazon-provided services that filters never see ------------------------------------------------
# "Network ACLs do not filter traffic destined to and from the following: Amazon Domain Name
# Services (DNS), Amazon Dynamic Host Configuration Protocol (DHCP), Amazon EC2 instance metadata,
# Amazon ECS task metadata endpoints, License activation for Windows instances, Amazon Time Sync
# Service, Reserved IP addresses used by the default VPC router":
NACL_NOT_FILTERED_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/nacl-basics.html"
# ... and security groups do not filter the same list:
SG_NOT_FILTERED_DOC = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html"
# The Route 53 Resolver (AmazonProvidedDNS) answers at the base of the VPC's primary IPv4 CIDR plus
# two, and at 169.254.169.253 (fd00:ec2::253 over IPv6, on Nitro instances), when the VPC's
# enableDnsSupport is true:
# https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html
AMAZON_DNS_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html"
AMAZON_DNS_OFFSET = 2
AMAZON_DNS_LINK_LOCAL = "169.254.169.253"
AMAZON_DNS_IPV6 = "fd00:ec2::253"
# Instance metadata and Amazon Time Sync over IPv6 (Nitro instances):
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html ("fd00:ec2::254") and
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html ("fd00:ec2::123").
INSTANCE_METADATA_IPV6 = "fd00:ec2::254"
TIME_SYNC_IPV6 = "fd00:ec2::123"
# The VPC router (subnet base + 1) answers DHCP (UDP 67):
# https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html (reserved addresses)
VPC_ROUTER_OFFSET = 1
DHCP_SERVER_PORT = 67
# Instance metadata: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
INSTANCE_METADATA = "169.254.169.254"
# Amazon Time Sync Service: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html
TIME_SYNC = "169.254.169.123"
# The ECS task metadata endpoint and Windows license activation, the list's other link-local services:
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v2.html and
# https://docs.aws.amazon.com/AWSEC2/latest/WindowsGuide/common-messages.html (169.254.169.250-251).
ECS_TASK_METADATA = "169.254.170.2"
WINDOWS_ACTIVATION = ("169.254.169.250", "169.254.169.251")
# A DHCP options set names up to four DNS servers and four NTP servers:
# https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSetConcepts.html
DHCP_SERVERS_MAX = 4

# -- secondary IPv4 CIDR blocks ---------------------------------------------------------------------
# "IPv4 CIDR block association restrictions": which secondary blocks a VPC may add, by the range
# its primary block is in. From an RFC 1918 primary: not another RFC 1918 range, and (10.0.0.0/8)
# nothing from 10.0.0.0/16 once a block is in 10.0.0.0/15; from a 198.19.0.0/16, 100.64.0.0/10 or
# public primary: no RFC 1918 block. 100.64.0.0/10 and 198.19.0.0/16 go with any primary (what
# EKS's secondary-CIDR pod networking relies on).
CIDR_RESTRICTIONS_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html#add-cidr-block-restrictions"
RFC1918 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
BENCHMARK_RANGE = "198.19.0.0/16"
TEN_SLASH_15 = "10.0.0.0/15"
TEN_SLASH_16 = "10.0.0.0/16"

# -- default quotas and hard limits -----------------------------------------------------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
VPC_CIDR_QUOTA = 5  # IPv4 CIDR blocks per VPC (adjustable to 50)
SG_PER_ENI_QUOTA = 5  # security groups per network interface (adjustable)
SG_PER_ENI_LIMIT = 16  # ... at most
# A network ACL's '*' rule, per family: describe-network-acls numbers IPv4's 32767 and IPv6's
# 32768 (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html lists both).
NACL_IMPLICIT_DENY = 32767
NACL_IMPLICIT_DENY6 = 32768
NACL_RULE_QUOTA = 20  # rules per network ACL direction (adjustable)
NACL_RULE_LIMIT = 40  # ... at most
SG_RULE_QUOTA = 60  # inbound or outbound rules per security group
ROUTE_QUOTA = 50  # non-propagated routes per route table (adjustable)
ROUTE_LIMIT = 1000  # ... at most
# Prefix lengths AWS accepts for a VPC CIDR block and for a subnet (/16 to /28):
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
MIN_PREFIX = 16
MAX_PREFIX = 28
# IPv6: a VPC's block is Amazon's /56, or /44 to /60 from BYOIP / IPAM pools; a subnet's is /44 to
# /64 in /4 steps (Amazon's /56 VPC blocks give /64 subnets); five IPv6 blocks per VPC:
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html ("IPv6 VPC CIDR blocks") and
# https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html ("Subnet sizing for IPv6").
IPV6_VPC_PREFIXES = (44, 60)
IPV6_SUBNET_PREFIXES = (44, 64)
IPV6_CIDR_QUOTA = 5
# "You can assign as many IPv6 addresses to a network interface as you can assign private IPv4
# addresses, and the limit varies by instance type" (EC2 API Reference, AssignIpv6Addresses:
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssignIpv6Addresses.html); the
# largest instance types take 50 per interface (EC2 User Guide, "Maximum IP addresses per network
# interface": https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AvailableIpPerENI.html).
IPV6_ADDRESSES_PER_INTERFACE = 50
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
    "GENEVE_PORT",
    "AMAZON_DNS_DOC",
    "AMAZON_DNS_IPV6",
    "AMAZON_DNS_LINK_LOCAL",
    "AMAZON_DNS_OFFSET",
    "BENCHMARK_RANGE",
    "CIDR_RESTRICTIONS_DOC",
    "CRITICAL_SERVICES",
    "DATABASE_PORTS",
    "DHCP_SERVERS_MAX",
    "DHCP_SERVER_PORT",
    "ECS_TASK_METADATA",
    "EPHEMERAL_PRESETS",
    "GATEWAY_ENDPOINT_SERVICES",
    "GONE_STATES",
    "TGW_ATTACHMENT_SG_REFERENCING_DEFAULT",
    "TGW_SG_REFERENCING_DEFAULT",
    "TGW_SG_REFERENCING_DOC",
    "ICMPV6_REPLIES",
    "ICMP_REPLIES",
    "ICMP_REPLIES_BY_PROTO",
    "INSTANCE_METADATA",
    "INSTANCE_METADATA_IPV6",
    "INTERNET_CANDIDATES",
    "INTERNET_CANDIDATES6",
    "IPV6_ADDRESSES_PER_INTERFACE",
    "IPV6_CIDR_QUOTA",
    "IPV6_SUBNET_PREFIXES",
    "IPV6_VPC_PREFIXES",
    "LINK_LOCAL",
    "LINUX_EPHEMERAL",
    "MAX_PREFIX",
    "MIN_PREFIX",
    "NACL_IMPLICIT_DENY",
    "NACL_IMPLICIT_DENY6",
    "NACL_NOT_FILTERED_DOC",
    "NACL_RULE_LIMIT",
    "NACL_RULE_QUOTA",
    "NAT_GATEWAY_PORTS",
    "NAT64_ICMP4_TO_6",
    "NAT64_ICMP6_TO_4",
    "NAT64_PREFIX",
    "ND_TYPES",
    "NOT_INTERNET",
    "NOT_INTERNET6",
    "OTHER_SERVICES",
    "PMTUD_DOC",
    "PMTUD_ICMP",
    "PMTUD_ICMPV6",
    "RELEASES_PUBLIC_IP",
    "RFC1918",
    "ROUTE_LIMIT",
    "ROUTE_QUOTA",
    "SG_NOT_FILTERED_DOC",
    "SG_PER_ENI_LIMIT",
    "SG_PER_ENI_QUOTA",
    "SG_RULE_QUOTA",
    "SUBNET_RESERVED_HEAD",
    "SUBNET_RESERVED_TAIL",
    "TEN_SLASH_15",
    "TEN_SLASH_16",
    "TIME_SYNC",
    "TIME_SYNC_IPV6",
    "VPC_CIDR_QUOTA",
    "VPC_ROUTER_OFFSET",
    "WEB_PORTS",
    "WINDOWS_ACTIVATION",
]

# -- Elastic Load Balancing ----------------------------------------------------------------------
# Listener protocols per load balancer type, and the transport each rides on
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html,
# https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-listeners.html,
# https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-listener-config.html).
LB_LISTENER_PROTOCOLS: dict[str, tuple[str, ...]] = {
    "application": ("HTTP", "HTTPS"),
    "network": ("TCP", "UDP", "TLS", "TCP_UDP"),
    "classic": ("HTTP", "HTTPS", "TCP", "SSL"),
}
# IP protocol numbers a listener or target-group protocol carries (TCP_UDP: both on one port).
LB_TRANSPORTS: dict[str, tuple[int, ...]] = {
    "HTTP": (6,), "HTTPS": (6,), "TCP": (6,), "TLS": (6,), "SSL": (6,), "UDP": (17,), "TCP_UDP": (6, 17),
    "GENEVE": (17,),
}
# Health checks run over TCP (HTTP, HTTPS or TCP), a UDP target group's too
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html).
LB_HEALTH_CHECK_PROTOCOLS: tuple[str, ...] = ("HTTP", "HTTPS", "TCP")
# Target group protocols vpcsim simulates: an ALB's HTTP and HTTPS, an NLB's TCP, UDP, TLS and TCP_UDP
# (a Gateway Load Balancer's GENEVE is not; https://docs.aws.amazon.com/elasticloadbalancing/latest/
# APIReference/API_CreateTargetGroup.html, Protocol).
LB_TARGET_GROUP_PROTOCOLS: tuple[str, ...] = ("HTTP", "HTTPS", "TCP", "UDP", "TLS", "TCP_UDP")
# The source ports a load balancer node opens its connections to targets from: the ELB docs'
# recommended network ACL rules admit 1024-65535 between the load balancer and its targets
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html#nacl-rules).
LB_NODE_PORTS: tuple[int, int] = (1024, 65535)
# Cross-zone load balancing: always on for Application Load Balancers (a target group may turn it
# off), off by default for Network Load Balancers, on by default for Classic Load Balancers created
# with the console/API since 2014; when it is off, a node forwards only to targets in its own zone, and
# a zone without a healthy target is taken out of the load balancer's DNS name (fail-open when every
# zone is) (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-cross-zone.html,
# https://repost.aws/knowledge-center/elb-dns-cross-zone-balance-configuration).
LB_CROSS_ZONE_DEFAULT: dict[str, bool] = {"application": True, "network": False, "classic": True}
# Client IP preservation (Network Load Balancer target groups): on for instance targets and for UDP and
# TCP_UDP, off for ip targets on TCP and TLS; settable for TCP and TLS
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation).
LB_PRESERVE_FIXED_PROTOCOLS: tuple[str, ...] = ("UDP", "TCP_UDP")
# An internet-facing load balancer's DNS name resolves to its nodes' public addresses, from inside the
# VPC too; an internal one's to their private addresses
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html#load-balancer-scheme).
LB_SCHEME_DOC = ("https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html"
                 "#load-balancer-scheme")
# An Application or Classic Load Balancer has security groups always; a Network Load Balancer only
# when it was created with them (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html).
LB_SECURITY_GROUPS_DOC = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html"
# IP address types (describe-load-balancers IpAddressType): the families a load balancer's clients
# use. An Application Load Balancer is ipv4, dualstack, or dualstack-without-public-ipv4 (public
# IPv6, private IPv4 and IPv6: its nodes have no public IPv4 address, and its DNS name answers the
# internet with AAAA records only); a Network Load Balancer ipv4 or dualstack; a Classic Load Balancer
# in a VPC ipv4 only. A dual-stack load balancer's subnets must have IPv6 blocks; each node then has
# an IPv6 address in its subnet's, and the DNS name has AAAA records beside its A records
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-ip-address-type.html,
# https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-ip-address-type.html,
# https://docs.aws.amazon.com/whitepapers/latest/ipv6-on-aws/scaling-the-dual-stack-network-design-in-aws.html).
LB_IP_ADDRESS_TYPES: dict[str, tuple[str, ...]] = {
    "application": ("ipv4", "dualstack", "dualstack-without-public-ipv4"),
    "network": ("ipv4", "dualstack"),
    "classic": ("ipv4",),
}
LB_IP_ADDRESS_TYPE_DOC = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-ip-address-type.html"
# A target group's IP address type: the family its load balancer's nodes use to its targets and for
# their health checks, whatever the client's ("The load balancer communicates with targets based on
# the IP address type of the target group"). An ipv6 group's targets are all IPv6, and it serves
# dual-stack load balancers only
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-ip-address-type,
# https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#target-group-ip-address-type).
# Instances register in an ipv6 group by instance id and are reached at their primary IPv6 address
# (the CDK's TargetGroupIpAddressType: https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_elasticloadbalancingv2.TargetGroupIpAddressType.html;
# the guides' older text allowed ip targets only).
LB_TARGET_GROUP_IP_TYPES: tuple[str, ...] = ("ipv4", "ipv6")
LB_TARGET_GROUP_IP_TYPE_DOC = ("https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
                               "load-balancer-target-groups.html#target-group-ip-address-type")
# Across families a node translates: an Application Load Balancer always (it is a proxy: an IPv6
# client's request goes on to an IPv4 target from the node's IPv4 address), a Network Load Balancer
# too, and then client IP preservation has no effect: the target sees the node's private address of
# the target group's family; a proxy protocol v2 header (target group attribute
# proxy_protocol_v2.enabled) still carries the client's address to it
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation,
# the IPv6 whitepaper's "NLB Client IP visibility" table above).
LB_CROSS_FAMILY_DOC = ("https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html"
                       "#client-ip-preservation")

# An Auto Scaling group's traffic source (AttachTrafficSources, a group's TrafficSources, Terraform's
# traffic_source): Identifier is a target group's ARN for "elbv2" (ALB, NLB, GWLB) and "vpc-lattice",
# a Classic Load Balancer's name for "elb"; Type may be left out
# (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TrafficSourceIdentifier.html).
TRAFFIC_SOURCE_TYPES = ("elb", "elbv2", "vpc-lattice")
TRAFFIC_SOURCE_DOC = "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TrafficSourceIdentifier.html"


def traffic_source_type(identifier: str) -> str:
    """The Type of a traffic source whose Type is left out, from its Identifier."""
    if identifier.startswith("arn:aws:vpc-lattice:"):
        return "vpc-lattice"
    return "elbv2" if identifier.startswith("arn:") else "elb"
