package io.patchwork.manager.cli;

import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.Csr;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.ca.Subjects;
import io.patchwork.node.host.NodeFiles;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code patchwork renew <ledger> --msp DIR | --tls DIR [--new-key]}: renews a member's own
 * certificate through the API, with the member admin's credentials, and writes the renewal into the
 * folder in place of the old one (for a new key, the key too; the old key file is kept beside it as
 * {@code .old} until the member removes it).
 */
@Command(
    name = "renew",
    description =
        "Renew one of your organisation's certificates before it expires: an MSP folder's signing"
            + " certificate or a TLS folder's, for the same key or (--new-key) a key made here.")
final class RenewCommand extends Api.Command {
  @Parameters(index = "0", description = "The ledger id.")
  String ledger;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Folder folder;

  static final class Folder {
    @Option(names = "--msp", description = "An MSP folder (signcerts/cert.pem, keystore/priv_sk).")
    Path msp;

    @Option(names = "--tls", description = "A TLS folder (cert.pem, key.pem).")
    Path tls;
  }

  @Option(
      names = "--new-key",
      description = "Make a new P-256 key here and certify it instead of the current one.")
  boolean newKey;

  @Override
  public Integer call() throws Exception {
    boolean signing = folder.msp != null;
    Path certificateFile =
        signing
            ? folder.msp.resolve(NodeFiles.SIGNING_CERTIFICATE)
            : folder.tls.resolve(NodeFiles.TLS_CERTIFICATE);
    Path keyFile =
        signing ? folder.msp.resolve(NodeFiles.SIGNING_KEY) : folder.tls.resolve(NodeFiles.TLS_KEY);
    if (!Files.isRegularFile(certificateFile)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), certificateFile + " is not there: name an MSP or a TLS folder");
    }
    List<X509Certificate> chain =
        Pem.readCertificates(Files.readString(certificateFile, StandardCharsets.US_ASCII));
    X509Certificate current = chain.get(0);
    JsonObject body = new JsonObject();
    KeyPair key = null;
    if (newKey) {
      key = Api.newKey();
      body.put(
          "csr", Base64.getEncoder().encodeToString(Csr.create(key, request(current, signing))));
    }
    JsonObject renewed =
        api.post(
            "/ledgers/"
                + ledger
                + "/certificates/"
                + current.getSerialNumber().toString(16)
                + "/renewal",
            body);
    List<X509Certificate> written = new ArrayList<>(chain);
    written.set(0, Api.certificate(renewed.getString("certificate")));
    if (key != null) {
      Path old = keyFile.resolveSibling(keyFile.getFileName() + ".old");
      Files.move(keyFile, old, StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(
          Files.createFile(
              keyFile,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
          Pem.privateKey(key.getPrivate()),
          StandardCharsets.US_ASCII);
    }
    Path fresh = certificateFile.resolveSibling(certificateFile.getFileName() + ".new");
    Files.writeString(fresh, Pem.certificates(written), StandardCharsets.US_ASCII);
    Files.move(
        fresh,
        certificateFile,
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    out()
        .printf(
            "renewed %s as %s, valid until %s%s%n",
            current.getSerialNumber().toString(16),
            renewed.getString("serial"),
            renewed.getString("notAfter"),
            key != null ? " (new key in " + keyFile + ")" : "");
    return 0;
  }

  /** The request the current certificate answers, for a CSR of a new key. */
  private static CertificateRequest request(X509Certificate current, boolean signing)
      throws Exception {
    String name = Subjects.commonNameOf(current).orElseThrow();
    Role role = Subjects.roleOf(current).orElseThrow();
    String organization = Subjects.organizationOf(current).orElseThrow();
    String mspId = Subjects.mspIdOf(current).orElseThrow();
    if (signing) {
      return CertificateRequest.signing(name, role, organization, mspId);
    }
    return CertificateRequest.tls(
        name,
        role,
        organization,
        mspId,
        Subjects.dnsNamesOf(current),
        Subjects.ipAddressesOf(current));
  }
}
