package io.patchwork.ca;

import java.util.Arrays;
import java.util.Objects;

/**
 * One PKCS#10 certificate signing request handed in with an invite, and the profile it asks for.
 * The role comes from the CSR subject's OU; TLS subject alternative names come from the CSR's
 * extension request.
 *
 * @param profile signing identity or TLS
 * @param csr the request, DER or PEM; at most {@value #MAX_BYTES} bytes
 */
public record CsrSubmission(CertificateProfile profile, byte[] csr) {
  /** The largest CSR accepted, in bytes. */
  public static final int MAX_BYTES = 16 * 1024;

  public CsrSubmission {
    Objects.requireNonNull(profile, "profile");
    csr = Objects.requireNonNull(csr, "csr").clone();
  }

  @Override
  public byte[] csr() {
    return csr.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CsrSubmission that
        && profile == that.profile
        && Arrays.equals(csr, that.csr);
  }

  @Override
  public int hashCode() {
    return 31 * profile.hashCode() + Arrays.hashCode(csr);
  }

  @Override
  public String toString() {
    return "CsrSubmission[profile=" + profile + ", bytes=" + csr.length + "]";
  }
}
