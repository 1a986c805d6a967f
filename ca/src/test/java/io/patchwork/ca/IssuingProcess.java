package io.patchwork.ca;

import java.nio.file.Path;

/**
 * A separate JVM that issues certificates as fast as it can and prints each serial once its
 * issuance returned, until it is killed. {@link CrashSafetyTest} kills it with SIGKILL.
 */
public final class IssuingProcess {
  private IssuingProcess() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    CertificateAuthorities authorities = fixture.authorities();
    CertificateAuthority ca =
        authorities.ledgerIds().contains("crash")
            ? authorities.open("crash")
            : authorities.createRoot(AuthoritySpec.of("crash", "Operator"));
    System.out.println("ready");
    System.out.flush();
    for (int i = 0; ; i++) {
      IssuedCredential issued =
          ca.issueWithNewKey(
              CertificateRequest.signing("member-" + i, Role.CLIENT, "Bank A", "BankAMSP"));
      System.out.println(issued.certificate().serialHex());
      System.out.flush();
    }
  }
}
