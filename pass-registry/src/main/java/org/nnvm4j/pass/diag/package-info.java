/**
 * The one unchecked exception hierarchy of nnvm4j. It lives in the lowest module so that every
 * layer can raise it: {@link org.nnvm4j.pass.diag.CompileException} (the user's input is wrong),
 * {@link org.nnvm4j.pass.diag.InternalCompilerError} (our bug),
 * {@link org.nnvm4j.pass.diag.BackendUnavailableException} (something to install) and
 * {@link org.nnvm4j.pass.diag.DeviceRuntimeException} (the device failed).
 */
package org.nnvm4j.pass.diag;
