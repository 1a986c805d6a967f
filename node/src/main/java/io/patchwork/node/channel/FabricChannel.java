package io.patchwork.node.channel;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a Fabric channel config says, read from Fabric's structures alone ({@link
 * ChannelTrees#read}): its organisations with their MSPs, the orderers' consenters, how blocks are
 * cut, and the endorsement and admin policies as Patchwork counts them. Certificates are as the
 * config carries them (PEM); CRLs as it carries them (DER or PEM).
 *
 * @param sequence the config's sequence: how many updates it has had since genesis
 * @param organizations the application organisations (channel members), ordered by MSP id
 * @param ordererOrganizations the organisations of the ordering service, ordered by MSP id
 * @param consenters the Raft consenters, in the config's order
 * @param batch how the orderers cut blocks
 * @param endorsement the Application group's Endorsement policy
 * @param admins the Channel group's Admins policy, which governs changes to the config
 */
public record FabricChannel(
    long sequence,
    List<Organization> organizations,
    List<Organization> ordererOrganizations,
    List<Consenter> consenters,
    Batch batch,
    Rule endorsement,
    Rule admins) {
  public FabricChannel {
    organizations = List.copyOf(organizations);
    ordererOrganizations = List.copyOf(ordererOrganizations);
    consenters = List.copyOf(consenters);
    Objects.requireNonNull(batch, "batch");
    Objects.requireNonNull(endorsement, "endorsement");
    Objects.requireNonNull(admins, "admins");
  }

  /** The application organisation with this MSP id, if it is a member. */
  public Optional<Organization> organization(String mspId) {
    return organizations.stream().filter(o -> o.mspId().equals(mspId)).findFirst();
  }

  /**
   * An organisation's MSP as Fabric's {@code FabricMSPConfig} describes it.
   *
   * @param group the key of its group in the config (often, not always, the MSP id)
   * @param nodeOrganizationalUnits whether its MSP classifies identities by the OU of their
   *     certificate (Fabric's NodeOUs: client, peer, admin, orderer)
   * @param admins certificates its MSP names as admins explicitly (empty with NodeOUs)
   * @param endpoints the addresses its group lists: anchor peers of an application organisation,
   *     orderer endpoints of an ordering one
   */
  public record Organization(
      String group,
      String mspId,
      List<ByteString> rootCertificates,
      List<ByteString> intermediateCertificates,
      List<ByteString> crls,
      List<ByteString> tlsRootCertificates,
      List<ByteString> tlsIntermediateCertificates,
      boolean nodeOrganizationalUnits,
      List<ByteString> admins,
      List<Endpoint> endpoints) {
    public Organization {
      Objects.requireNonNull(group, "group");
      Objects.requireNonNull(mspId, "mspId");
      rootCertificates = List.copyOf(rootCertificates);
      intermediateCertificates = List.copyOf(intermediateCertificates);
      crls = List.copyOf(crls);
      tlsRootCertificates = List.copyOf(tlsRootCertificates);
      tlsIntermediateCertificates = List.copyOf(tlsIntermediateCertificates);
      admins = List.copyOf(admins);
      endpoints = List.copyOf(endpoints);
    }
  }

  /** A host and port. */
  public record Endpoint(String host, int port) {
    public Endpoint {
      Objects.requireNonNull(host, "host");
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /** A Raft consenter: where it is reached and the TLS certificates it presents. */
  public record Consenter(
      Endpoint endpoint, ByteString clientTlsCertificate, ByteString serverTlsCertificate) {
    public Consenter {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(clientTlsCertificate, "clientTlsCertificate");
      Objects.requireNonNull(serverTlsCertificate, "serverTlsCertificate");
    }
  }

  /** Fabric's BatchSize and BatchTimeout. */
  public record Batch(
      int maxMessageCount, int absoluteMaxBytes, int preferredMaxBytes, Duration timeout) {
    public Batch {
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * A policy as a count of organisations: {@code MAJORITY} or {@code ALL} of them (an ImplicitMeta
   * policy over their sub-policies), or at least {@code count} of those listed, each by the role
   * named (a signature policy).
   */
  public record Rule(Kind kind, int count, List<String> mspIds) {
    public Rule {
      Objects.requireNonNull(kind, "kind");
      mspIds = List.copyOf(mspIds);
    }

    /** How organisations are counted. */
    public enum Kind {
      ANY,
      MAJORITY,
      ALL,
      AT_LEAST
    }
  }
}
