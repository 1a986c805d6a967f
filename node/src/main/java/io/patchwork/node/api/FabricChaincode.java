package io.patchwork.node.api;

import io.patchwork.node.contract.ChaincodePackage;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Fabric chaincode a new ledger pins and its hosted peers run: a name and a chaincode-as-a-service
 * package (Fabric's {@code ccaas} {@code .tar.gz}, whose {@code connection.json} says where the
 * chaincode server is). The ledger pins the name with the package's SHA-256, as it pins a built-in
 * contract by its code hash; the peers connect to the server when they first endorse with it.
 * Checked when made, so a request naming an unusable package is refused before anything is built.
 * Immutable.
 */
public final class FabricChaincode {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}");

  private final String name;
  private final byte[] bytes;
  private final ChaincodePackage read;

  private FabricChaincode(String name, byte[] bytes, ChaincodePackage read) {
    this.name = name;
    this.bytes = bytes;
    this.read = read;
  }

  /**
   * Chaincode {@code name} from its package's bytes.
   *
   * @throws LedgerException {@code INVALID_CHAINCODE_PACKAGE} if the name is not a chaincode name
   *     (a letter or digit, then up to 63 letters, digits, '.', '_' or '-') or the package is not a
   *     usable ccaas package; the message says which and why
   */
  public static FabricChaincode read(String name, byte[] ccaasPackage) throws LedgerException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(ccaasPackage, "ccaasPackage");
    if (!NAME.matcher(name).matches() || name.startsWith("_")) {
      throw new LedgerException(
          LedgerError.INVALID_CHAINCODE_PACKAGE, "'" + name + "' is not a chaincode name");
    }
    try {
      return new FabricChaincode(
          name,
          ccaasPackage.clone(),
          ChaincodePackage.read(ccaasPackage, "the package of chaincode " + name));
    } catch (IllegalArgumentException e) {
      throw new LedgerException(LedgerError.INVALID_CHAINCODE_PACKAGE, e.getMessage(), e);
    }
  }

  /** The name the ledger pins it under and clients invoke it by. */
  public String name() {
    return name;
  }

  /** Fabric's package id: label and SHA-256. */
  public String packageId() {
    return read.packageId();
  }

  /** The SHA-256 of the package, in hex: what the ledger pins. */
  public String sha256() {
    return HexFormat.of().formatHex(read.sha256().toByteArray());
  }

  /** Where the chaincode server is, as the package's {@code connection.json} says. */
  public String address() {
    return read.address();
  }

  /** The package's bytes, as given. */
  public byte[] bytes() {
    return bytes.clone();
  }
}
