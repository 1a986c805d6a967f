package io.patchwork.templates;

import java.util.List;

/** A template, or a ledger request made from one, that does not hold; every problem is listed. */
public final class TemplateException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<TemplateError> errors;

  public TemplateException(List<TemplateError> errors) {
    super(summary(errors));
    this.errors = List.copyOf(errors);
  }

  public List<TemplateError> errors() {
    return errors;
  }

  private static String summary(List<TemplateError> errors) {
    StringBuilder text = new StringBuilder();
    for (TemplateError error : errors) {
      if (text.length() > 0) {
        text.append("; ");
      }
      text.append(error);
    }
    return text.toString();
  }
}
