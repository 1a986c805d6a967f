/** Runnable consortium scenarios that use only public interfaces. Arrive with issue #6. */
package io.patchwork.samples;
