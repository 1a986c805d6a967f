/** Ledger templates: YAML files with a typed model, loader and validator. Arrives with issue #5. */
package io.patchwork.templates;
