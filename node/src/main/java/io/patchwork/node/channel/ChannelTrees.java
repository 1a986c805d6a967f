package io.patchwork.node.channel;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.patchwork.node.channel.FabricChannel.Batch;
import io.patchwork.node.channel.FabricChannel.Consenter;
import io.patchwork.node.channel.FabricChannel.Endpoint;
import io.patchwork.node.channel.FabricChannel.Organization;
import io.patchwork.node.channel.FabricChannel.Rule;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.ConfigException.Code;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.Orderer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockDataHashingStructure;
import org.hyperledger.fabric.protos.common.Capabilities;
import org.hyperledger.fabric.protos.common.Capability;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.ConfigPolicy;
import org.hyperledger.fabric.protos.common.ConfigValue;
import org.hyperledger.fabric.protos.common.HashingAlgorithm;
import org.hyperledger.fabric.protos.common.ImplicitMetaPolicy;
import org.hyperledger.fabric.protos.common.MSPPrincipal;
import org.hyperledger.fabric.protos.common.MSPRole;
import org.hyperledger.fabric.protos.common.OrdererAddresses;
import org.hyperledger.fabric.protos.common.Policy;
import org.hyperledger.fabric.protos.common.SignaturePolicy;
import org.hyperledger.fabric.protos.common.SignaturePolicyEnvelope;
import org.hyperledger.fabric.protos.msp.FabricCryptoConfig;
import org.hyperledger.fabric.protos.msp.FabricMSPConfig;
import org.hyperledger.fabric.protos.msp.FabricNodeOUs;
import org.hyperledger.fabric.protos.msp.FabricOUIdentifier;
import org.hyperledger.fabric.protos.msp.MSPConfig;
import org.hyperledger.fabric.protos.orderer.BatchSize;
import org.hyperledger.fabric.protos.orderer.BatchTimeout;
import org.hyperledger.fabric.protos.orderer.ConsensusType;
import org.hyperledger.fabric.protos.orderer.etcdraft.ConfigMetadata;
import org.hyperledger.fabric.protos.peer.AnchorPeer;
import org.hyperledger.fabric.protos.peer.AnchorPeers;

/**
 * A ledger's channel config in Fabric's own structure — the tree of groups, values and policies
 * that {@code common.Config} holds and Fabric's tools read: the Application group with a group per
 * member organisation carrying its {@code FabricMSPConfig} (root and intermediate certificates,
 * CRLs, NodeOUs) and anchor peers; the Orderer group with the Raft consenters ({@code etcdraft}
 * metadata: addresses and TLS certificates), the batch size and timeout, and a group per
 * organisation that runs orderers (its MSP and orderer endpoints); Fabric's Readers, Writers,
 * Admins and Endorsement policies; V2_0 capabilities.
 *
 * <p>{@link #encode} writes a ledger config's Fabric part with every version 0 (the versions of a
 * config that moves on come from {@link ConfigUpdates}); {@link #read} reads any Fabric channel
 * config back into what Patchwork uses of it, refusing what it cannot express. What Fabric's config
 * has no field for (node ids, Raft ports, contract pins, voting rules, the ledger's status) is not
 * in the tree. Encoding is deterministic: the same config always gives the same bytes. Stateless
 * and thread-safe.
 */
public final class ChannelTrees {
  public static final String APPLICATION = "Application";
  public static final String ORDERER = "Orderer";
  public static final String MSP = "MSP";
  public static final String ANCHOR_PEERS = "AnchorPeers";
  public static final String ENDPOINTS = "Endpoints";
  public static final String CONSENSUS_TYPE = "ConsensusType";
  public static final String BATCH_SIZE = "BatchSize";
  public static final String BATCH_TIMEOUT = "BatchTimeout";
  public static final String ORDERER_ADDRESSES = "OrdererAddresses";
  public static final String CAPABILITIES = "Capabilities";
  public static final String READERS = "Readers";
  public static final String WRITERS = "Writers";
  public static final String ADMINS = "Admins";
  public static final String ENDORSEMENT = "Endorsement";
  public static final String LIFECYCLE_ENDORSEMENT = "LifecycleEndorsement";
  public static final String BLOCK_VALIDATION = "BlockValidation";

  /** The consensus type Fabric's tools read consenters from; Patchwork's orderers run Raft. */
  public static final String RAFT = "etcdraft";

  private static final String V2_0 = "V2_0";
  private static final int FABRIC_MSP = 0;

  private ChannelTrees() {}

  /** The Fabric part of {@code config} as a channel config tree, every version 0. */
  public static Config encode(LedgerConfig config) {
    Objects.requireNonNull(config, "config");
    List<String> members = config.getMembersList().stream().map(Member::getMspId).toList();
    ConfigGroup.Builder application =
        group()
            .putValues(CAPABILITIES, value(capabilities()))
            .putPolicies(READERS, implicit(ImplicitMetaPolicy.Rule.ANY, READERS))
            .putPolicies(WRITERS, implicit(ImplicitMetaPolicy.Rule.ANY, WRITERS))
            .putPolicies(ADMINS, implicit(ImplicitMetaPolicy.Rule.MAJORITY, ADMINS))
            .putPolicies(ENDORSEMENT, endorsement(config.getEndorsementPolicy(), members))
            .putPolicies(
                LIFECYCLE_ENDORSEMENT, endorsement(config.getEndorsementPolicy(), members));
    for (Member member : sorted(config.getMembersList())) {
      List<Endpoint> anchors =
          config.getPeersList().stream()
              .filter(p -> p.getMspId().equals(member.getMspId()))
              .map(p -> new Endpoint(p.getHost(), p.getPort()))
              .toList();
      application.putGroups(member.getMspId(), applicationOrganization(member, anchors).build());
    }
    ConfigGroup.Builder orderer =
        group()
            .putValues(CONSENSUS_TYPE, value(consensus(config.getOrderersList())))
            .putValues(
                BATCH_SIZE,
                value(
                    BatchSize.newBuilder()
                        .setMaxMessageCount(config.getBlockCutting().getMaxTransactions())
                        .setAbsoluteMaxBytes(config.getBlockCutting().getMaxBytes())
                        .setPreferredMaxBytes(config.getBlockCutting().getMaxBytes())
                        .build()))
            .putValues(
                BATCH_TIMEOUT,
                value(
                    BatchTimeout.newBuilder()
                        .setTimeout(config.getBlockCutting().getTimeoutMillis() + "ms")
                        .build()))
            .putValues(CAPABILITIES, value(capabilities()))
            .putPolicies(READERS, implicit(ImplicitMetaPolicy.Rule.ANY, READERS))
            .putPolicies(WRITERS, implicit(ImplicitMetaPolicy.Rule.ANY, WRITERS))
            .putPolicies(ADMINS, implicit(ImplicitMetaPolicy.Rule.MAJORITY, ADMINS))
            .putPolicies(BLOCK_VALIDATION, implicit(ImplicitMetaPolicy.Rule.ANY, WRITERS));
    Map<String, List<Endpoint>> endpoints = new TreeMap<>();
    for (Orderer node : config.getOrderersList()) {
      endpoints
          .computeIfAbsent(node.getMspId(), k -> new ArrayList<>())
          .add(new Endpoint(node.getHost(), node.getPort()));
    }
    for (Map.Entry<String, List<Endpoint>> entry : endpoints.entrySet()) {
      Member member =
          config.getMembersList().stream()
              .filter(m -> m.getMspId().equals(entry.getKey()))
              .findFirst()
              .orElse(Member.newBuilder().setMspId(entry.getKey()).build());
      orderer.putGroups(entry.getKey(), ordererOrganization(member, entry.getValue()).build());
    }
    ConfigGroup channel =
        group()
            .putGroups(APPLICATION, application.build())
            .putGroups(ORDERER, orderer.build())
            .putValues(
                "HashingAlgorithm", value(HashingAlgorithm.newBuilder().setName("SHA256").build()))
            .putValues(
                "BlockDataHashingStructure",
                value(BlockDataHashingStructure.newBuilder().setWidth(0xFFFFFFFF).build()))
            .putValues(
                ORDERER_ADDRESSES,
                value(
                    OrdererAddresses.newBuilder()
                        .addAllAddresses(
                            config.getOrderersList().stream()
                                .map(o -> o.getHost() + ":" + o.getPort())
                                .toList())
                        .build()))
            .putValues(CAPABILITIES, value(capabilities()))
            .putPolicies(READERS, implicit(ImplicitMetaPolicy.Rule.ANY, READERS))
            .putPolicies(WRITERS, implicit(ImplicitMetaPolicy.Rule.ANY, WRITERS))
            .putPolicies(
                ADMINS, admins(config.getModificationPolicy().getAdminOrganizations(), members))
            .build();
    return Config.newBuilder().setSequence(config.getSequence()).setChannelGroup(channel).build();
  }

  /**
   * What a Fabric channel config says, from its structures alone.
   *
   * @throws ConfigException {@code MALFORMED} if a value does not decode or a group Patchwork needs
   *     is missing; {@code UNSUPPORTED_FABRIC_CONFIG} for what Patchwork cannot express (an MSP
   *     other than Fabric's X.509 one, a consensus type other than Raft, a nested signature policy)
   */
  public static FabricChannel read(Config config) throws ConfigException {
    Objects.requireNonNull(config, "config");
    ConfigGroup channel = config.getChannelGroup();
    ConfigGroup application = child(channel, APPLICATION, "/Channel");
    ConfigGroup orderer = child(channel, ORDERER, "/Channel");
    List<Organization> organizations = new ArrayList<>();
    for (Map.Entry<String, ConfigGroup> org :
        new TreeMap<>(application.getGroupsMap()).entrySet()) {
      organizations.add(
          organization("/Channel/Application/" + org.getKey(), org.getValue(), ANCHOR_PEERS));
    }
    List<Organization> ordererOrganizations = new ArrayList<>();
    for (Map.Entry<String, ConfigGroup> org : new TreeMap<>(orderer.getGroupsMap()).entrySet()) {
      ordererOrganizations.add(
          organization("/Channel/Orderer/" + org.getKey(), org.getValue(), ENDPOINTS));
    }
    organizations.sort(Comparator.comparing(Organization::mspId));
    ordererOrganizations.sort(Comparator.comparing(Organization::mspId));
    ConsensusType consensus =
        decode(orderer, CONSENSUS_TYPE, "/Channel/Orderer", ConsensusType.parser());
    if (!consensus.getType().equals(RAFT)) {
      throw new ConfigException(
          Code.UNSUPPORTED_FABRIC_CONFIG,
          "the orderers use consensus type '"
              + consensus.getType()
              + "'; Patchwork runs Raft ("
              + RAFT
              + ")");
    }
    List<Consenter> consenters = new ArrayList<>();
    try {
      for (var consenter : ConfigMetadata.parseFrom(consensus.getMetadata()).getConsentersList()) {
        consenters.add(
            new Consenter(
                new Endpoint(consenter.getHost(), consenter.getPort()),
                consenter.getClientTlsCert(),
                consenter.getServerTlsCert()));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(
          Code.MALFORMED, "the Raft consenters of /Channel/Orderer do not decode", e);
    }
    BatchSize size = decode(orderer, BATCH_SIZE, "/Channel/Orderer", BatchSize.parser());
    BatchTimeout timeout =
        decode(orderer, BATCH_TIMEOUT, "/Channel/Orderer", BatchTimeout.parser());
    Batch batch =
        new Batch(
            size.getMaxMessageCount(),
            size.getAbsoluteMaxBytes(),
            size.getPreferredMaxBytes(),
            GoDurations.parse(timeout.getTimeout()));
    return new FabricChannel(
        config.getSequence(),
        organizations,
        ordererOrganizations,
        consenters,
        batch,
        rule(application, ENDORSEMENT, "/Channel/Application"),
        rule(channel, ADMINS, "/Channel"));
  }

  /**
   * What a Fabric channel's config block says (as {@code peer channel fetch config} saves it): the
   * config its one CONFIG envelope holds, read as {@link #read} reads it.
   *
   * @throws ConfigException {@code NOT_A_CONFIG_BLOCK} if the block holds no CONFIG envelope, or as
   *     {@link #read}
   */
  public static FabricChannel readConfigBlock(Block block) throws ConfigException {
    return read(ConfigBlocks.treeOf(block));
  }

  private static ConfigGroup.Builder applicationOrganization(
      Member member, List<Endpoint> anchors) {
    ConfigGroup.Builder group = organizationGroup(member);
    if (!anchors.isEmpty()) {
      AnchorPeers.Builder peers = AnchorPeers.newBuilder();
      for (Endpoint anchor : anchors) {
        peers.addAnchorPeers(AnchorPeer.newBuilder().setHost(anchor.host()).setPort(anchor.port()));
      }
      group.putValues(ANCHOR_PEERS, value(peers.build()));
    }
    String msp = member.getMspId();
    return group
        .putPolicies(
            READERS,
            signedByAny(
                msp,
                MSPRole.MSPRoleType.ADMIN,
                MSPRole.MSPRoleType.PEER,
                MSPRole.MSPRoleType.CLIENT))
        .putPolicies(
            WRITERS, signedByAny(msp, MSPRole.MSPRoleType.ADMIN, MSPRole.MSPRoleType.CLIENT))
        .putPolicies(ADMINS, signedByAny(msp, MSPRole.MSPRoleType.ADMIN))
        .putPolicies(ENDORSEMENT, signedByAny(msp, MSPRole.MSPRoleType.PEER));
  }

  private static ConfigGroup.Builder ordererOrganization(Member member, List<Endpoint> endpoints) {
    String msp = member.getMspId();
    return organizationGroup(member)
        .putValues(
            ENDPOINTS,
            value(
                OrdererAddresses.newBuilder()
                    .addAllAddresses(endpoints.stream().map(Endpoint::toString).toList())
                    .build()))
        .putPolicies(READERS, signedByAny(msp, MSPRole.MSPRoleType.MEMBER))
        .putPolicies(WRITERS, signedByAny(msp, MSPRole.MSPRoleType.MEMBER))
        .putPolicies(ADMINS, signedByAny(msp, MSPRole.MSPRoleType.ADMIN));
  }

  /** An organisation's group with its MSP: Fabric's X.509 MSP with NodeOUs, as Patchwork issues. */
  private static ConfigGroup.Builder organizationGroup(Member member) {
    FabricMSPConfig msp =
        FabricMSPConfig.newBuilder()
            .setName(member.getMspId())
            .addAllRootCerts(member.getRootCertificatesList())
            .addAllIntermediateCerts(member.getIntermediateCertificatesList())
            .addAllRevocationList(member.getCrlsList())
            .setCryptoConfig(
                FabricCryptoConfig.newBuilder()
                    .setSignatureHashFamily("SHA2")
                    .setIdentityIdentifierHashFunction("SHA256"))
            .addAllTlsRootCerts(member.getRootCertificatesList())
            .addAllTlsRootCerts(member.getTlsRootCertificatesList())
            .addAllTlsIntermediateCerts(member.getIntermediateCertificatesList())
            .setFabricNodeOus(
                FabricNodeOUs.newBuilder()
                    .setEnable(true)
                    .setClientOuIdentifier(ou("client"))
                    .setPeerOuIdentifier(ou("peer"))
                    .setAdminOuIdentifier(ou("admin"))
                    .setOrdererOuIdentifier(ou("orderer")))
            .build();
    return group()
        .putValues(
            MSP,
            value(
                MSPConfig.newBuilder().setType(FABRIC_MSP).setConfig(msp.toByteString()).build()));
  }

  private static FabricOUIdentifier ou(String name) {
    return FabricOUIdentifier.newBuilder().setOrganizationalUnitIdentifier(name).build();
  }

  private static Organization organization(String path, ConfigGroup group, String endpointsValue)
      throws ConfigException {
    String key = path.substring(path.lastIndexOf('/') + 1);
    MSPConfig msp = decode(group, MSP, path, MSPConfig.parser());
    if (msp.getType() != FABRIC_MSP) {
      throw new ConfigException(
          Code.UNSUPPORTED_FABRIC_CONFIG,
          path
              + " has an MSP of type "
              + msp.getType()
              + "; Patchwork supports Fabric's X.509 MSP (type 0) only");
    }
    FabricMSPConfig fabric;
    try {
      fabric = FabricMSPConfig.parseFrom(msp.getConfig());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(Code.MALFORMED, path + "/MSP does not decode", e);
    }
    if (fabric.getName().isEmpty()) {
      throw new ConfigException(Code.MALFORMED, path + "/MSP has no name");
    }
    List<Endpoint> endpoints = new ArrayList<>();
    if (group.containsValues(endpointsValue)) {
      if (endpointsValue.equals(ANCHOR_PEERS)) {
        for (AnchorPeer anchor :
            decode(group, ANCHOR_PEERS, path, AnchorPeers.parser()).getAnchorPeersList()) {
          endpoints.add(new Endpoint(anchor.getHost(), anchor.getPort()));
        }
      } else {
        for (String address :
            decode(group, ENDPOINTS, path, OrdererAddresses.parser()).getAddressesList()) {
          endpoints.add(endpoint(address, path));
        }
      }
    }
    return new Organization(
        key,
        fabric.getName(),
        fabric.getRootCertsList(),
        fabric.getIntermediateCertsList(),
        fabric.getRevocationListList(),
        fabric.getTlsRootCertsList(),
        fabric.getTlsIntermediateCertsList(),
        fabric.getFabricNodeOus().getEnable(),
        fabric.getAdminsList(),
        endpoints);
  }

  private static Endpoint endpoint(String address, String organization) throws ConfigException {
    int colon = address.lastIndexOf(':');
    try {
      if (colon > 0) {
        int port = Integer.parseInt(address.substring(colon + 1));
        if (port > 0 && port < 65536) {
          return new Endpoint(address.substring(0, colon), port);
        }
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new ConfigException(
        Code.MALFORMED,
        "orderer endpoint '" + address + "' of " + organization + " is not host:port");
  }

  /** A policy read as a count of organisations. */
  private static Rule rule(ConfigGroup group, String name, String path) throws ConfigException {
    ConfigPolicy policy = group.getPoliciesMap().get(name);
    if (policy == null) {
      throw new ConfigException(Code.MALFORMED, path + " has no " + name + " policy");
    }
    try {
      switch (policy.getPolicy().getType()) {
        case Policy.PolicyType.IMPLICIT_META_VALUE -> {
          ImplicitMetaPolicy meta = ImplicitMetaPolicy.parseFrom(policy.getPolicy().getValue());
          return switch (meta.getRule()) {
            case ANY -> new Rule(Rule.Kind.ANY, 1, List.of());
            case ALL -> new Rule(Rule.Kind.ALL, 0, List.of());
            case MAJORITY -> new Rule(Rule.Kind.MAJORITY, 0, List.of());
            case UNRECOGNIZED ->
                throw new ConfigException(
                    Code.MALFORMED, path + "/" + name + " has an unknown ImplicitMeta rule");
          };
        }
        case Policy.PolicyType.SIGNATURE_VALUE -> {
          SignaturePolicyEnvelope envelope =
              SignaturePolicyEnvelope.parseFrom(policy.getPolicy().getValue());
          SignaturePolicy rule = envelope.getRule();
          if (!rule.hasNOutOf()) {
            return new Rule(
                Rule.Kind.AT_LEAST,
                1,
                List.of(principal(envelope, rule.getSignedBy(), path, name)));
          }
          List<String> msps = new ArrayList<>();
          for (SignaturePolicy part : rule.getNOutOf().getRulesList()) {
            if (part.hasNOutOf()) {
              throw new ConfigException(
                  Code.UNSUPPORTED_FABRIC_CONFIG,
                  path + "/" + name + " nests signature policies; Patchwork counts organisations");
            }
            msps.add(principal(envelope, part.getSignedBy(), path, name));
          }
          return new Rule(Rule.Kind.AT_LEAST, rule.getNOutOf().getN(), msps);
        }
        default ->
            throw new ConfigException(
                Code.UNSUPPORTED_FABRIC_CONFIG,
                path + "/" + name + " is a policy of type " + policy.getPolicy().getType());
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(Code.MALFORMED, path + "/" + name + " does not decode", e);
    }
  }

  private static String principal(
      SignaturePolicyEnvelope envelope, int index, String path, String name)
      throws ConfigException, InvalidProtocolBufferException {
    if (index < 0 || index >= envelope.getIdentitiesCount()) {
      throw new ConfigException(
          Code.MALFORMED,
          path + "/" + name + " names identity " + index + ", which it does not list");
    }
    MSPPrincipal principal = envelope.getIdentities(index);
    if (principal.getPrincipalClassification() != MSPPrincipal.Classification.ROLE) {
      throw new ConfigException(
          Code.UNSUPPORTED_FABRIC_CONFIG,
          path
              + "/"
              + name
              + " names a principal by "
              + principal.getPrincipalClassification()
              + "; Patchwork counts organisations by role");
    }
    return MSPRole.parseFrom(principal.getPrincipal()).getMspIdentifier();
  }

  private static ConfigPolicy endorsement(EndorsementPolicy policy, List<String> members) {
    return switch (policy.getRule()) {
      case ALL -> implicit(ImplicitMetaPolicy.Rule.ALL, ENDORSEMENT);
      case AT_LEAST -> nOutOf(policy.getCount(), members, MSPRole.MSPRoleType.PEER);
      default -> implicit(ImplicitMetaPolicy.Rule.MAJORITY, ENDORSEMENT);
    };
  }

  private static ConfigPolicy admins(int organizations, List<String> members) {
    return organizations == 0
        ? implicit(ImplicitMetaPolicy.Rule.MAJORITY, ADMINS)
        : nOutOf(organizations, members, MSPRole.MSPRoleType.ADMIN);
  }

  private static ConfigPolicy implicit(ImplicitMetaPolicy.Rule rule, String subPolicy) {
    return policy(
        Policy.PolicyType.IMPLICIT_META,
        ImplicitMetaPolicy.newBuilder().setRule(rule).setSubPolicy(subPolicy).build());
  }

  private static ConfigPolicy signedByAny(String msp, MSPRole.MSPRoleType... roles) {
    List<String> msps = new ArrayList<>();
    for (int i = 0; i < roles.length; i++) {
      msps.add(msp);
    }
    return signature(1, msps, List.of(roles));
  }

  private static ConfigPolicy nOutOf(int n, List<String> msps, MSPRole.MSPRoleType role) {
    return signature(n, msps, msps.stream().map(m -> role).toList());
  }

  private static ConfigPolicy signature(int n, List<String> msps, List<MSPRole.MSPRoleType> roles) {
    SignaturePolicyEnvelope.Builder envelope = SignaturePolicyEnvelope.newBuilder().setVersion(0);
    SignaturePolicy.NOutOf.Builder rule = SignaturePolicy.NOutOf.newBuilder().setN(n);
    for (int i = 0; i < msps.size(); i++) {
      envelope.addIdentities(
          MSPPrincipal.newBuilder()
              .setPrincipalClassification(MSPPrincipal.Classification.ROLE)
              .setPrincipal(
                  MSPRole.newBuilder()
                      .setMspIdentifier(msps.get(i))
                      .setRole(roles.get(i))
                      .build()
                      .toByteString()));
      rule.addRules(SignaturePolicy.newBuilder().setSignedBy(i));
    }
    return policy(
        Policy.PolicyType.SIGNATURE,
        envelope.setRule(SignaturePolicy.newBuilder().setNOutOf(rule)).build());
  }

  private static ConfigPolicy policy(Policy.PolicyType type, Message value) {
    return ConfigPolicy.newBuilder()
        .setPolicy(Policy.newBuilder().setType(type.getNumber()).setValue(value.toByteString()))
        .setModPolicy(ADMINS)
        .build();
  }

  private static ConsensusType consensus(List<Orderer> orderers) {
    ConfigMetadata.Builder metadata = ConfigMetadata.newBuilder();
    for (Orderer orderer : orderers) {
      metadata
          .addConsentersBuilder()
          .setHost(orderer.getHost())
          .setPort(orderer.getPort())
          .setClientTlsCert(orderer.getTlsCertificate())
          .setServerTlsCert(orderer.getTlsCertificate());
    }
    return ConsensusType.newBuilder()
        .setType(RAFT)
        .setMetadata(metadata.build().toByteString())
        .setState(ConsensusType.State.STATE_NORMAL)
        .build();
  }

  private static Capabilities capabilities() {
    return Capabilities.newBuilder().putCapabilities(V2_0, Capability.getDefaultInstance()).build();
  }

  private static ConfigGroup.Builder group() {
    return ConfigGroup.newBuilder().setModPolicy(ADMINS);
  }

  private static ConfigValue value(Message message) {
    return ConfigValue.newBuilder().setValue(message.toByteString()).setModPolicy(ADMINS).build();
  }

  private static List<Member> sorted(List<Member> members) {
    return members.stream().sorted(Comparator.comparing(Member::getMspId)).toList();
  }

  private static ConfigGroup child(ConfigGroup group, String name, String path)
      throws ConfigException {
    ConfigGroup child = group.getGroupsMap().get(name);
    if (child == null) {
      throw new ConfigException(Code.MALFORMED, path + " has no " + name + " group");
    }
    return child;
  }

  private static <T extends Message> T decode(
      ConfigGroup group, String name, String path, Parser<T> parser) throws ConfigException {
    ConfigValue value = group.getValuesMap().get(name);
    if (value == null) {
      throw new ConfigException(Code.MALFORMED, path + " has no " + name + " value");
    }
    try {
      return parser.parseFrom(value.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(Code.MALFORMED, path + "/" + name + " does not decode", e);
    }
  }
}
