package io.patchwork.node.block;

import io.patchwork.node.crypto.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.hyperledger.fabric.protos.common.BlockData;
import org.hyperledger.fabric.protos.common.BlockHeader;

/**
 * The hashes that chain Fabric blocks, computed exactly as Fabric computes them so Fabric's tools
 * agree: a block's hash is SHA-256 over the DER encoding of {@code SEQUENCE { INTEGER number, OCTET
 * STRING previous_hash, OCTET STRING data_hash }}, and its data hash is SHA-256 over its data
 * entries concatenated. Metadata (signatures, validation codes) is outside both hashes.
 */
public final class BlockHashes {
  private BlockHashes() {}

  /** The DER encoding Fabric hashes to identify a block header. */
  public static byte[] headerBytes(BlockHeader header) {
    ASN1EncodableVector fields = new ASN1EncodableVector(3);
    fields.add(new ASN1Integer(new BigInteger(Long.toUnsignedString(header.getNumber()))));
    fields.add(new DEROctetString(header.getPreviousHash().toByteArray()));
    fields.add(new DEROctetString(header.getDataHash().toByteArray()));
    try {
      return new DERSequence(fields).getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new UncheckedIOException("DER encoding of a block header failed", e);
    }
  }

  /** The block's hash: what the next block names as its previous hash. */
  public static byte[] headerHash(BlockHeader header) {
    return Sha256.newDigest().digest(headerBytes(header));
  }

  /** The hash of a block's data: SHA-256 over the entries in order, concatenated. */
  public static byte[] dataHash(BlockData data) {
    MessageDigest digest = Sha256.newDigest();
    data.getDataList().forEach(entry -> Sha256.update(digest, entry));
    return digest.digest();
  }
}
