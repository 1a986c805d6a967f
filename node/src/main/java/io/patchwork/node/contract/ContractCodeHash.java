package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A contract's code hash: SHA-256 over the class files of the contract class and every class nested
 * in it, in name order. A ledger pins a contract by this hash, so a peer running changed code
 * refuses to endorse or validate for it. Keep a contract's helpers nested in its class (not
 * anonymous) so the hash covers them.
 */
final class ContractCodeHash {
  private ContractCodeHash() {}

  public static ByteString of(Class<?> contractClass) {
    return of(List.of(contractClass));
  }

  /** The hash of a contract whose code spans several top-level classes. */
  public static ByteString of(List<Class<?>> codeClasses) {
    List<Class<?>> classes = new ArrayList<>();
    codeClasses.forEach(type -> collect(type, classes));
    classes.sort(Comparator.comparing(Class::getName));
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    for (Class<?> type : classes) {
      String resource = "/" + type.getName().replace('.', '/') + ".class";
      try (InputStream in = type.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalArgumentException(
              "the class file of " + type.getName() + " is not readable");
        }
        digest.update(type.getName().getBytes(StandardCharsets.UTF_8));
        digest.update(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException("reading the class file of " + type.getName(), e);
      }
    }
    return ByteString.copyFrom(digest.digest());
  }

  private static void collect(Class<?> type, List<Class<?>> into) {
    into.add(type);
    for (Class<?> nested : type.getDeclaredClasses()) {
      collect(nested, into);
    }
  }
}
