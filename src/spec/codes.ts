/**
 * The registry of diagnostic codes. A code is stable: scripts and docs/diagnostics.md rely on it,
 * so a code is never renumbered or reused for another problem. Add new ones at the end.
 */
export interface CodeDefinition {
  code: string;
  /** One line: what the problem is. */
  meaning: string;
}

const def = (code: string, meaning: string): CodeDefinition => ({ code, meaning });

export const CODES = {
  fileUnreadable: def('NF001', 'A spec file cannot be read (missing, a directory, no permission).'),
  notUtf8: def('NF002', 'A spec file is not valid UTF-8.'),
  fileTooLarge: def(
    'NF003',
    'A spec file is larger than netform reads (2 MiB), or a FIFO, pipe or device sends more.',
  ),
  yamlSyntax: def('NF004', 'The file is not valid YAML.'),
  duplicateKey: def('NF005', 'A mapping has the same key twice.'),
  aliasLimit: def('NF006', 'YAML aliases expand too much (an alias bomb).'),
  nestingTooDeep: def('NF007', 'YAML nesting is deeper than netform reads (64 levels).'),
  multipleDocuments: def('NF008', 'A spec file holds more than one YAML document.'),
  emptySpec: def('NF009', 'A spec file is empty.'),
  notAMapping: def('NF010', 'The top level of a spec file is not a mapping.'),
  invalidCidr: def('NF011', 'A subnet or ip_range is not a valid CIDR.'),
  ipRangeOutsideSubnet: def('NF012', 'An ip_range is not inside its subnet.'),
  hostBitsSet: def('NF013', 'A subnet has host bits set (10.0.42.1/24 instead of 10.0.42.0/24).'),
  invalidAddress: def(
    'NF014',
    'An address (gateway, aux address, static or link-local address) is not a valid IP address of the expected family.',
  ),
  gatewayOutsideSubnet: def('NF015', 'A gateway is not inside its subnet.'),
  auxOutsideSubnet: def('NF016', 'An aux address is not inside its subnet.'),
  poolAddressConflict: def(
    'NF017',
    'Two reserved addresses of a pool are equal (gateway and aux address, or two aux addresses).',
  ),
  reservedV4Address: def(
    'NF018',
    'An IPv4 gateway, aux or static address is the network or broadcast address of its subnet.',
  ),
  subnetOverlap: def('NF019', 'Two declared subnets overlap (in two networks or within one).'),
  ipv6WithoutEnable: def('NF020', 'An IPv6 subnet is declared on a network without enable_ipv6: true.'),
  staticOutsideSubnets: def('NF021', 'A static address is not inside any declared subnet of its network.'),
  staticIsReserved: def(
    'NF022',
    "A static address equals its network's gateway (the one given, or the one the daemon picks when none is) or an aux address.",
  ),
  duplicateStatic: def('NF023', 'Two containers ask for the same static address on one network.'),
  staticWithoutSubnet: def(
    'NF024',
    'A static address is given on a network that declares no subnet of that family.',
  ),
  staticV6WithoutEnable: def(
    'NF025',
    'A static IPv6 address is given on a network without enable_ipv6: true.',
  ),
  predefinedNetworkSettings: def(
    'NF026',
    'Aliases or static addresses on a predefined network (bridge, host, none), which Docker refuses.',
  ),
  undeclaredNetwork: def(
    'NF027',
    'A container, selector or service refers to a network the spec does not declare.',
  ),
  invalidName: def(
    'NF028',
    "A network, container, service, engine or project name breaks Docker's naming rules ([a-zA-Z0-9][a-zA-Z0-9_.-]*).",
  ),
  parentOnWrongDriver: def(
    'NF029',
    'parent is given for a driver that takes none (only macvlan and ipvlan do).',
  ),
  bridgeNameDocker0: def('NF030', 'com.docker.network.bridge.name is docker0, the default bridge.'),
  bridgeNameTooLong: def('NF031', 'A bridge name is longer than 15 characters, which Linux refuses.'),
  bridgeNameShared: def('NF032', 'Two declared networks use the same bridge name.'),
  externalWithSettings: def('NF033', 'An external network has keys other than name.'),
  exclusiveExternal: def('NF034', 'exclusive is set on an external network, which netform never changes.'),
  unsupportedVersion: def('NF035', 'The spec version is not one this netform reads.'),
  unknownKey: def('NF036', 'A key the spec format does not have (often a typo).'),
  wrongType: def(
    'NF037',
    'A value of the wrong type (a list where a mapping belongs, a string where true/false belongs...).',
  ),
  valueNotAllowed: def('NF038', 'A value outside the allowed set (scope: local, swarm or global...).'),
  missingKey: def('NF039', 'A required key is missing.'),
  shorthandWithIpam: def(
    'NF040',
    'The subnet/ip_range/gateway/aux_addresses shorthand is combined with ipam.',
  ),
  schemaViolation: def('NF041', 'Any other violation of the JSON Schema.'),
  duplicateDockerName: def('NF042', 'Two declared networks have the same Docker name.'),
  poolKeyWithoutSubnet: def('NF043', 'ip_range, gateway or aux_addresses is given without a subnet.'),
  yamlWarning: def('NF044', 'The YAML parser warns about something (an unknown tag...).'),
  staticInsideIpRange: def(
    'NF045',
    'A static address lies inside the dynamic ip_range, where the daemon may already have given it to another container.',
  ),
  invalidMacAddress: def('NF046', 'A mac_address is not six colon-separated hex bytes.'),
  reservedLabel: def('NF047', 'A label under io.netform., which netform writes itself.'),
  parentMissing: def(
    'NF048',
    'A macvlan or ipvlan network has no parent: Docker creates a dummy interface with no outside connectivity.',
  ),
  invalidLabel: def('NF049', 'A label in list form is not KEY=VALUE, or a label key is empty.'),
  ipRangeFamily: def('NF050', 'An ip_range or gateway is of another address family than its subnet.'),
  invalidAlias: def('NF051', 'An alias is empty or not a valid DNS name.'),
  predefinedDeclared: def(
    'NF053',
    'A predefined network (bridge, host, none) is declared without external: true.',
  ),
  parentConflict: def('NF054', 'parent and driver_opts.parent are both given, with different values.'),
  hostOrNoneWithOthers: def(
    'NF055',
    'A container on the host or none network is also attached to other networks, which Docker refuses.',
  ),
  bridgeSeveralSubnets: def(
    'NF056',
    'A bridge network declares more than one subnet of one address family, which the bridge driver refuses.',
  ),
  noAddressFamily: def(
    'NF060',
    'enable_ipv4: false without enable_ipv6: true: the network would have no address family.',
  ),
  ipv4OnIpv6Only: def('NF061', 'An IPv4 subnet on a network with enable_ipv4: false.'),
  unknownGatewayMode: def(
    'NF062',
    'A bridge gateway mode (com.docker.network.bridge.gateway_mode_ipv4/ipv6) that engines do not know.',
  ),
  isolatedNotInternal: def('NF063', 'Gateway mode isolated on a network that is not internal.'),
  invalidInterfaceName: def(
    'NF064',
    'An interface_name Linux refuses (empty, longer than 15 characters, with / : or spaces), or one that differs from its driver option.',
  ),
  duplicateInterfaceName: def('NF065', 'One container has the same interface_name on two networks.'),
  ingressNotOverlay: def('NF066', 'ingress: true on a network whose driver is not overlay.'),
  engineSubnetOverlap: def(
    'NF070',
    'A declared subnet overlaps a subnet of a network that already exists on the engine.',
  ),
  engineBridgeNameUsed: def(
    'NF071',
    'A declared bridge name is already used by another network on the engine.',
  ),
  engineNotSwarmManager: def(
    'NF072',
    'An overlay network is declared but the engine is not a swarm manager.',
  ),
  engineApiTooOld: def('NF073', 'The engine API version is older than 1.41 (Docker Engine 20.10).'),
  engineExternalMissing: def('NF074', 'An external network does not exist on the engine.'),
  engineEndpointFieldUnsupported: def(
    'NF075',
    "A key the engine would accept and ignore: mac_address (on connect from API 1.54, at container create from 1.44), gw_priority, interface_name (1.48; a Compose file's interface_name 1.49), enable_ipv4: false (1.48), a bridge gateway mode (1.46 or 1.48).",
  ),
  engineIngressExists: def(
    'NF081',
    'An ingress network is declared but the swarm already has another one (a swarm has one).',
  ),
  engineServiceMissing: def(
    'NF082',
    'A listed service does not exist on the swarm manager (pending: plan leaves its networks alone until it exists).',
  ),
  engineServiceLocalNetwork: def(
    'NF083',
    'A service is put on an external network that is not of the swarm scope (a bridge, a local macvlan...), which the engine refuses for services.',
  ),
  // Compose files (src/compose, docs/compose.md).
  composeNetworkModeWithNetworks: def(
    'NF100',
    'A Compose service sets both network_mode and networks, which Compose refuses.',
  ),
  composeInterpolation: def(
    'NF101',
    'A ${...} in a Compose file cannot be substituted: invalid syntax, or a required variable is not set.',
  ),
  composeUnsetVariable: def(
    'NF102',
    'A variable in a Compose network setting is not set; Compose substitutes an empty string.',
  ),
  composeNetworkModeService: def(
    'NF103',
    'network_mode: service:NAME names a service the Compose file does not declare.',
  ),
  composeDotenv: def('NF104', 'The .env file beside the Compose file cannot be read as Compose reads it.'),
  composeMergeConflict: def(
    'NF105',
    'An override file gives a network setting a value Compose cannot merge (a mapping over a list...).',
  ),
  composeNotReadHere: def(
    'NF106',
    'A Compose feature netform does not read (include, extends from another file): what it brings is not checked.',
  ),
  composeNetworkNotOwned: def(
    'NF107',
    'A network with the Docker name Compose would create belongs to another Compose project: Compose uses it as it is.',
  ),
  composeNetworkLabelMismatch: def(
    'NF108',
    "A network with the Docker name Compose would create lacks this network's com.docker.compose.network label (not made by Compose, or for another key), which Compose refuses.",
  ),
  composeIpv4Disabled: def(
    'NF109',
    'enable_ipv4: false on an engine older than API 1.48 (Docker 28), which ignores it and gives the network IPv4 as well.',
  ),
  // Selectors (docs/spec.md, "Selectors"): NF090-NF099.
  selectorEmptyMatch: def(
    'NF090',
    "A selector's match is empty: it would attach every container on the engine.",
  ),
  selectorFixedSetting: def(
    'NF091',
    'A selector gives a static address, link-local address or MAC, which the several containers it matches cannot share.',
  ),
  undeclaredEngine: def(
    'NF092',
    "A network's, container's or selector's engines: names an engine the spec does not declare under engines:.",
  ),
  // --- Several engines (docs/spec.md#engines): NF110-NF118 ---
  engineAddressMissing: def('NF110', 'An engine has neither host nor context, or both.'),
  engineHostInvalid: def('NF111', 'An engine host is not a unix://, tcp:// or ssh:// address.'),
  engineTlsMisplaced: def(
    'NF112',
    'tls is given for an engine not reached by tcp:// (a unix or ssh host, or a docker context), or a client certificate without its key.',
  ),
  containerEnginesMissing: def(
    'NF113',
    'A container has no engines: in a spec that declares several engines.',
  ),
  networkNotOnEngine: def(
    'NF114',
    'A container is attached to a network that does not exist on one of its engines.',
  ),
  layer2WithoutEngineRanges: def(
    'NF115',
    'A macvlan or ipvlan network on several engines (one layer-2 segment) lacks an ip_range of its own on each engine.',
  ),
  layer2RangesOverlap: def(
    'NF116',
    'The per-engine ip_ranges of a macvlan or ipvlan network on several engines overlap, or one engine gives two ip_ranges or gateways in one subnet.',
  ),
  layer2AddressCollision: def(
    'NF117',
    "A static address or gateway of a macvlan or ipvlan network on several engines collides across engines: inside another engine's ip_range, another engine's gateway, or the same address on several engines.",
  ),
  emptyEngineList: def('NF118', 'An engines: list or map names no engine.'),
  // Swarm and services (docs/swarm.md); NF140-NF149 are kept for them.
  serviceOnLocalNetwork: def(
    'NF140',
    'A service is put on a network that is neither overlay nor scope: swarm, which a service cannot use.',
  ),
  containerOnUnattachableSwarmNetwork: def(
    'NF141',
    'A container is put on an overlay or swarm-scoped network without attachable: true, which Docker refuses.',
  ),
  serviceEndpointSetting: def(
    'NF142',
    'A static address, link-local address, MAC address or priority is given for a service, which Swarm assigns per task.',
  ),
  configFromWithoutSwarmScope: def('NF143', 'config_from is given on a network without scope: swarm.'),
  configFromDriver: def(
    'NF144',
    'A network with scope: swarm and config_from is not macvlan or ipvlan, the drivers config-only networks serve.',
  ),
} as const satisfies Record<string, CodeDefinition>;

export type CodeName = keyof typeof CODES;
