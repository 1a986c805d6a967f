package io.patchwork.ca;

import java.util.Objects;

/**
 * An invite just made, with its token. This is the only time the token is available: hand it to the
 * invited member over a channel you trust, then drop it.
 */
public record NewInvite(Invite invite, InviteToken token) {
  public NewInvite {
    Objects.requireNonNull(invite, "invite");
    Objects.requireNonNull(token, "token");
  }
}
