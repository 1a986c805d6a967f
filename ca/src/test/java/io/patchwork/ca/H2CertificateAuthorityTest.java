package io.patchwork.ca;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The certificate authority on the embedded default store, H2. */
class H2CertificateAuthorityTest extends CertificateAuthorityContract {
  @TempDir Path directory;

  @Override
  CaFixture fixture() {
    return new CaFixture(directory, Databases.h2(directory));
  }
}
