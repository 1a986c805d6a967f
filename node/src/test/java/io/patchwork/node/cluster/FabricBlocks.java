package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.patchwork.node.peer.PeerNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockDataHashingStructure;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.Capabilities;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.ConfigEnvelope;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.Consortium;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.HashingAlgorithm;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.ImplicitMetaPolicy;
import org.hyperledger.fabric.protos.common.LastConfig;
import org.hyperledger.fabric.protos.common.Metadata;
import org.hyperledger.fabric.protos.common.MetadataSignature;
import org.hyperledger.fabric.protos.common.OrdererAddresses;
import org.hyperledger.fabric.protos.common.OrdererBlockMetadata;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.Policy;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.common.SignaturePolicyEnvelope;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.msp.FabricMSPConfig;
import org.hyperledger.fabric.protos.msp.MSPConfig;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.hyperledger.fabric.protos.orderer.BatchSize;
import org.hyperledger.fabric.protos.orderer.BatchTimeout;
import org.hyperledger.fabric.protos.orderer.ChannelRestrictions;
import org.hyperledger.fabric.protos.orderer.ConsensusType;
import org.hyperledger.fabric.protos.orderer.etcdraft.ConfigMetadata;
import org.hyperledger.fabric.protos.orderer.etcdraft.Consenter;
import org.hyperledger.fabric.protos.peer.ACLs;
import org.hyperledger.fabric.protos.peer.AnchorPeers;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.hyperledger.fabric.protos.peer.ChaincodeHeaderExtension;
import org.hyperledger.fabric.protos.peer.ChaincodeInvocationSpec;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.Endorsement;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TransactionAction;

/**
 * Reads a ledger's blocks with Fabric's own protobuf messages the way Fabric's decoders do ({@code
 * configtxlator proto_decode --type common.Block}): every opaque field as the message type Fabric
 * gives it for its header type, down to read/write sets, events and endorsements — and refuses any
 * byte those messages do not define (Java keeps such bytes as unknown fields; Fabric's decoder
 * fails on them, as it failed on Patchwork's former config payload).
 */
final class FabricBlocks {
  private FabricBlocks() {}

  /**
   * Where the blocks checked are also written, one file each, when the system property {@value}
   * names a directory: for a check with Fabric's own tools ({@code configtxlator proto_decode
   * --type common.Block --input FILE}).
   */
  static final String WRITE_TO = "patchwork.fabricBlocks";

  /** Every block a peer holds, from its first, decodes as Fabric's. Answers how many it read. */
  static long assertEveryBlockDecodes(PeerNode peer) throws IOException {
    long first = peer.ledger().blocks().first();
    long height = peer.ledger().height();
    Optional<Path> out = Optional.ofNullable(System.getProperty(WRITE_TO)).map(Path::of);
    for (long number = first; number < height; number++) {
      Optional<Block> block = peer.ledger().blocks().get(number);
      assertThat(block).as("block %d", number).isPresent();
      assertDecodes(block.get());
      if (out.isPresent()) {
        Path ledger = out.get().resolve(peer.ledger().rules().ledgerId() + "-" + peer.nodeId());
        Files.createDirectories(ledger);
        Files.write(ledger.resolve(number + ".block"), block.get().toByteArray());
      }
    }
    return height - first;
  }

  /**
   * A channel config as read from Fabric's structures alone: each Application organisation's {@code
   * FabricMSPConfig} by group name, the etcdraft consenters, the Application policies, the config's
   * sequence and the Application group's version.
   */
  record Channel(
      long sequence,
      long applicationVersion,
      Map<String, FabricMSPConfig> organizations,
      List<Consenter> consenters,
      Map<String, Policy> applicationPolicies,
      Envelope lastUpdate) {}

  /**
   * The config in force at a peer's last block, read as Fabric's tools read it: the block that
   * block's LAST_CONFIG names ({@code peer channel fetch config}), its one CONFIG envelope decoded
   * with Fabric's messages.
   */
  static Channel lastConfig(PeerNode peer) throws IOException {
    Block last = peer.ledger().blocks().get(peer.ledger().height() - 1).orElseThrow();
    Metadata metadata =
        decode(
            last.getMetadata().getMetadata(BlockMetadataIndex.LAST_CONFIG_VALUE),
            Metadata.parser(),
            "LAST_CONFIG");
    long index = decode(metadata.getValue(), LastConfig.parser(), "last config").getIndex();
    Block config = peer.ledger().blocks().get(index).orElseThrow();
    assertDecodes(config);
    assertThat(config.getData().getDataCount()).as("a config block holds one envelope").isOne();
    Payload payload =
        decode(
            decode(config.getData().getData(0), Envelope.parser(), "config envelope").getPayload(),
            Payload.parser(),
            "config payload");
    assertThat(
            decode(payload.getHeader().getChannelHeader(), ChannelHeader.parser(), "header")
                .getType())
        .isEqualTo(HeaderType.CONFIG_VALUE);
    ConfigEnvelope envelope = decode(payload.getData(), ConfigEnvelope.parser(), "ConfigEnvelope");
    ConfigGroup application =
        envelope.getConfig().getChannelGroup().getGroupsOrThrow("Application");
    Map<String, FabricMSPConfig> organizations = new HashMap<>();
    application
        .getGroupsMap()
        .forEach(
            (name, group) ->
                organizations.put(
                    name,
                    decode(
                        decode(
                                group.getValuesOrThrow("MSP").getValue(),
                                MSPConfig.parser(),
                                name + " MSP")
                            .getConfig(),
                        FabricMSPConfig.parser(),
                        name + " FabricMSPConfig")));
    ConsensusType consensus =
        decode(
            envelope
                .getConfig()
                .getChannelGroup()
                .getGroupsOrThrow("Orderer")
                .getValuesOrThrow("ConsensusType")
                .getValue(),
            ConsensusType.parser(),
            "ConsensusType");
    assertThat(consensus.getType()).isEqualTo("etcdraft");
    Map<String, Policy> policies = new HashMap<>();
    application.getPoliciesMap().forEach((name, policy) -> policies.put(name, policy.getPolicy()));
    return new Channel(
        envelope.getConfig().getSequence(),
        application.getVersion(),
        organizations,
        decode(consensus.getMetadata(), ConfigMetadata.parser(), "etcdraft").getConsentersList(),
        policies,
        envelope.getLastUpdate());
  }

  static void assertDecodes(Block block) {
    long number = block.getHeader().getNumber();
    strict(block, "block " + number);
    for (int i = 0; i < block.getData().getDataCount(); i++) {
      envelope(block.getData().getData(i), "block " + number + " transaction " + i);
    }
    Metadata signatures =
        decode(
            block.getMetadata().getMetadata(BlockMetadataIndex.SIGNATURES_VALUE),
            Metadata.parser(),
            "block " + number + " SIGNATURES");
    decode(
        signatures.getValue(),
        OrdererBlockMetadata.parser(),
        "block " + number + " orderer metadata");
    for (MetadataSignature signature : signatures.getSignaturesList()) {
      SignatureHeader header =
          decode(
              signature.getSignatureHeader(), SignatureHeader.parser(), "a block signature header");
      decode(header.getCreator(), SerializedIdentity.parser(), "a block signer");
    }
    if (block.getMetadata().getMetadataCount() > BlockMetadataIndex.LAST_CONFIG_VALUE
        && !block.getMetadata().getMetadata(BlockMetadataIndex.LAST_CONFIG_VALUE).isEmpty()) {
      Metadata last =
          decode(
              block.getMetadata().getMetadata(BlockMetadataIndex.LAST_CONFIG_VALUE),
              Metadata.parser(),
              "block " + number + " LAST_CONFIG");
      decode(last.getValue(), LastConfig.parser(), "block " + number + " last config");
    }
  }

  private static void envelope(ByteString bytes, String where) {
    Envelope envelope = decode(bytes, Envelope.parser(), where);
    Payload payload = decode(envelope.getPayload(), Payload.parser(), where + " payload");
    ChannelHeader channel =
        decode(
            payload.getHeader().getChannelHeader(),
            ChannelHeader.parser(),
            where + " channel header");
    SignatureHeader signature =
        decode(
            payload.getHeader().getSignatureHeader(),
            SignatureHeader.parser(),
            where + " signature header");
    if (!signature.getCreator().isEmpty()) {
      decode(signature.getCreator(), SerializedIdentity.parser(), where + " creator");
    }
    if (channel.getType() == HeaderType.CONFIG_VALUE) {
      ConfigEnvelope config =
          decode(payload.getData(), ConfigEnvelope.parser(), where + " config envelope");
      assertThat(config.hasConfig()).as("%s holds a channel config", where).isTrue();
      channelGroup(config.getConfig().getChannelGroup(), where + " /Channel");
      if (config.hasLastUpdate()) {
        envelope(config.getLastUpdate().toByteString(), where + " last update");
      }
      return;
    }
    assertThat(channel.getType())
        .as("%s: the header type Fabric's decoder reads it by", where)
        .isEqualTo(HeaderType.ENDORSER_TRANSACTION_VALUE);
    decode(channel.getExtension(), ChaincodeHeaderExtension.parser(), where + " header extension");
    Transaction transaction =
        decode(payload.getData(), Transaction.parser(), where + " transaction");
    for (TransactionAction action : transaction.getActionsList()) {
      decode(action.getHeader(), SignatureHeader.parser(), where + " action header");
      ChaincodeActionPayload actionPayload =
          decode(action.getPayload(), ChaincodeActionPayload.parser(), where + " action payload");
      ChaincodeProposalPayload proposal =
          decode(
              actionPayload.getChaincodeProposalPayload(),
              ChaincodeProposalPayload.parser(),
              where + " proposal payload");
      decode(proposal.getInput(), ChaincodeInvocationSpec.parser(), where + " invocation");
      ProposalResponsePayload response =
          decode(
              actionPayload.getAction().getProposalResponsePayload(),
              ProposalResponsePayload.parser(),
              where + " response payload");
      ChaincodeAction chaincode =
          decode(response.getExtension(), ChaincodeAction.parser(), where + " chaincode action");
      TxReadWriteSet rwSet =
          decode(chaincode.getResults(), TxReadWriteSet.parser(), where + " read/write set");
      for (NsReadWriteSet ns : rwSet.getNsRwsetList()) {
        decode(ns.getRwset(), KVRWSet.parser(), where + " namespace " + ns.getNamespace());
      }
      if (!chaincode.getEvents().isEmpty()) {
        decode(chaincode.getEvents(), ChaincodeEvent.parser(), where + " event");
      }
      for (Endorsement endorsement : actionPayload.getAction().getEndorsementsList()) {
        strict(endorsement, where + " endorsement");
        decode(endorsement.getEndorser(), SerializedIdentity.parser(), where + " endorser");
      }
    }
  }

  /**
   * The channel group as Fabric's decoder reads it: each value by the message its name stands for,
   * each policy by its type, each sub-group as the Application or Orderer group — and a name it
   * does not know fails, as {@code configtxlator} fails on it.
   */
  private static void channelGroup(ConfigGroup group, String where) {
    values(
        group,
        where,
        Map.of(
            "HashingAlgorithm", HashingAlgorithm.parser(),
            "BlockDataHashingStructure", BlockDataHashingStructure.parser(),
            "OrdererAddresses", OrdererAddresses.parser(),
            "Consortium", Consortium.parser(),
            "Capabilities", Capabilities.parser()));
    policies(group, where);
    group
        .getGroupsMap()
        .forEach(
            (name, child) -> {
              switch (name) {
                case "Application" -> {
                  values(
                      child,
                      where + "/Application",
                      Map.of("Capabilities", Capabilities.parser(), "ACLs", ACLs.parser()));
                  policies(child, where + "/Application");
                  child
                      .getGroupsMap()
                      .forEach(
                          (org, orgGroup) ->
                              organization(
                                  orgGroup,
                                  where + "/Application/" + org,
                                  Map.of("AnchorPeers", AnchorPeers.parser())));
                }
                case "Orderer" -> {
                  String at = where + "/Orderer";
                  values(
                      child,
                      at,
                      Map.of(
                          "ConsensusType", ConsensusType.parser(),
                          "BatchSize", BatchSize.parser(),
                          "BatchTimeout", BatchTimeout.parser(),
                          "ChannelRestrictions", ChannelRestrictions.parser(),
                          "Capabilities", Capabilities.parser()));
                  if (child.containsValues("ConsensusType")) {
                    ConsensusType consensus =
                        decode(
                            child.getValuesOrThrow("ConsensusType").getValue(),
                            ConsensusType.parser(),
                            at + " ConsensusType");
                    if (consensus.getType().equals("etcdraft")) {
                      decode(consensus.getMetadata(), ConfigMetadata.parser(), at + " etcdraft");
                    }
                  }
                  policies(child, at);
                  child
                      .getGroupsMap()
                      .forEach(
                          (org, orgGroup) ->
                              organization(
                                  orgGroup,
                                  at + "/" + org,
                                  Map.of("Endpoints", OrdererAddresses.parser())));
                }
                default ->
                    throw new AssertionError(
                        where + ": Fabric's decoder knows no channel sub-group '" + name + "'");
              }
            });
  }

  private static void organization(
      ConfigGroup group, String where, Map<String, Parser<? extends Message>> more) {
    assertThat(group.getGroupsMap()).as("%s: an organisation has no sub-groups", where).isEmpty();
    Map<String, Parser<? extends Message>> known = new HashMap<>(more);
    known.put("MSP", MSPConfig.parser());
    values(group, where, known);
    if (group.containsValues("MSP")) {
      MSPConfig msp =
          decode(group.getValuesOrThrow("MSP").getValue(), MSPConfig.parser(), where + " MSP");
      assertThat(msp.getType()).as("%s: a Fabric (X.509) MSP", where).isZero();
      decode(msp.getConfig(), FabricMSPConfig.parser(), where + " FabricMSPConfig");
    }
    policies(group, where);
  }

  private static void values(
      ConfigGroup group, String where, Map<String, Parser<? extends Message>> known) {
    group
        .getValuesMap()
        .forEach(
            (name, value) -> {
              Parser<? extends Message> parser = known.get(name);
              if (parser == null) {
                throw new AssertionError(
                    where + ": Fabric's decoder knows no config value named '" + name + "'");
              }
              decode(value.getValue(), parser, where + " " + name);
            });
  }

  private static void policies(ConfigGroup group, String where) {
    group
        .getPoliciesMap()
        .forEach(
            (name, policy) -> {
              Policy rule = policy.getPolicy();
              switch (rule.getType()) {
                case Policy.PolicyType.SIGNATURE_VALUE ->
                    decode(
                        rule.getValue(),
                        SignaturePolicyEnvelope.parser(),
                        where + " policy " + name);
                case Policy.PolicyType.IMPLICIT_META_VALUE ->
                    decode(rule.getValue(), ImplicitMetaPolicy.parser(), where + " policy " + name);
                default ->
                    throw new AssertionError(
                        where
                            + " policy "
                            + name
                            + ": Fabric decodes no policy type "
                            + rule.getType());
              }
            });
  }

  private static <T extends Message> T decode(ByteString bytes, Parser<T> parser, String where) {
    T message;
    try {
      message = parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(
          where + " does not decode as Fabric's message: " + e.getMessage(), e);
    }
    strict(message, where);
    return message;
  }

  /** Neither the message nor any message inside it holds bytes its definition lacks. */
  private static void strict(Message message, String where) {
    assertThat(message.getUnknownFields().asMap())
        .as(
            "%s: bytes Fabric's %s does not define",
            where, message.getDescriptorForType().getFullName())
        .isEmpty();
    message
        .getAllFields()
        .forEach(
            (field, value) -> {
              if (field.getJavaType() != Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                return;
              }
              if (field.isRepeated()) {
                for (Object element : (List<?>) value) {
                  strict((Message) element, where + "." + field.getName());
                }
              } else {
                strict((Message) value, where + "." + field.getName());
              }
            });
  }
}
