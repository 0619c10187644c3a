/**
 * The stable backend SPI. A backend is a jar holding a {@link org.nnvm4j.backend.BackendProvider}
 * registered under {@code META-INF/services/org.nnvm4j.backend.BackendProvider}; putting it on the
 * class path adds its target kind to nnvm4j, with no change to nnvm4j itself.
 *
 * <h2>Contract for a backend author</h2>
 * <ol>
 *   <li>{@link org.nnvm4j.backend.BackendProvider}: cheap and lazy. Its constructor,
 *       {@code kind()}, {@code targetKind()} and {@code availability()} touch no native code
 *       (availability may look for files); {@code create(Target)} does the heavy work.</li>
 *   <li>{@link org.nnvm4j.backend.Backend}: what {@code create} returns; owns native state, so it is
 *       {@link java.lang.AutoCloseable}. It hands out a {@link org.nnvm4j.backend.Lowering}
 *       (schedules and code generation) and, where it can run, a {@link org.nnvm4j.backend.Runtime}
 *       (devices, memory, copies).</li>
 *   <li>{@link org.nnvm4j.backend.Lowering#schedule}: given the output tensors of a fused group, its
 *       fusion pattern and master op, returns a schedule (GPU backends bind loops to
 *       {@code blockIdx}/{@code threadIdx}); {@link org.nnvm4j.backend.Lowering#codegen} turns the
 *       lowered TIR functions into one {@link org.nnvm4j.backend.Module}.</li>
 *   <li>{@link org.nnvm4j.backend.Module}: the compiled functions; each is a
 *       {@link org.nnvm4j.backend.ModuleFunction} called with device buffers and scalars, after
 *       nnvm4j has checked every argument against its {@link org.nnvm4j.backend.FunctionSignature}.
 *       A module can export itself to a folder and the backend can load it back without the
 *       compiler.</li>
 * </ol>
 * Every method added to these interfaces after version 0.1 is a {@code default} method;
 * {@link org.nnvm4j.backend.BackendProvider#SPI_VERSION} is checked at discovery.
 */
package org.nnvm4j.backend;
