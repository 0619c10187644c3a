package org.nnvm4j.backend.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.llvm.LLVM.LLVMBasicBlockRef;
import org.bytedeco.llvm.LLVM.LLVMBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMContextRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.*;

/**
 * Translates flattened TIR functions into one LLVM module. Each {@link PrimFunc} {@code f} becomes
 * an internal {@code f_compute(ptr noalias buf..., i64 scalar...)} holding the loops, and an exported
 * {@code i32 f(ptr args)} that unpacks an array of 8-byte slots (buffer pointers, then int64 scalars)
 * and calls it; 0 means success, {@code k > 0} that assertion {@code k} failed. Serial, unrolled and
 * vectorized loops become LLVM loops (the LLVM vectorizer handles the hint); parallel loops run on
 * libgomp's thread pool; GPU thread bindings are rejected.
 */
final class CpuCodegen {
  private final LLVMContextRef ctx;
  private final LLVMModuleRef mod;
  private final LLVMBuilderRef b;
  private final String cpu;
  private final String features;
  private final Map<String, List<String>> assertMessages = new java.util.LinkedHashMap<>();

  private Map<Var, LLVMValueRef> vars;
  private Map<Buffer, LLVMValueRef> buffers;
  private LLVMValueRef fn;
  private LLVMBasicBlockRef entry;
  private List<String> asserts;
  private String funcName;
  private int parallelCount;
  private final int numThreads;
  private final boolean contract;
  private boolean usesOpenMp;

  CpuCodegen(LLVMContextRef ctx, String moduleName, String cpu, String features, int numThreads, boolean contract) {
    this.ctx = ctx;
    this.contract = contract;
    this.numThreads = numThreads;
    this.mod = LLVMModuleCreateWithNameInContext(moduleName, ctx);
    this.b = LLVMCreateBuilderInContext(ctx);
    this.cpu = cpu;
    this.features = features;
  }

  LLVMModuleRef module() { return mod; }

  /** Whether the module calls libgomp (it then needs libgomp.so.1 at load time). */
  boolean usesOpenMp() { return usesOpenMp; }

  /** Messages of the assertions of each function, indexed by return code - 1. */
  Map<String, List<String>> assertMessages() { return assertMessages; }

  void dispose() { LLVMDisposeBuilder(b); }

  void addFunction(PrimFunc f) {
    funcName = f.name();
    vars = new IdentityHashMap<>();
    buffers = new IdentityHashMap<>();
    asserts = new ArrayList<>();
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
    int nb = f.buffers().size();
    int ns = f.scalarParams().size();
    PointerPointer<LLVMTypeRef> params = new PointerPointer<>(Math.max(1, nb + ns));
    for (int i = 0; i < nb; i++) params.put(i, ptr);
    for (int i = 0; i < ns; i++) params.put(nb + i, i64);
    LLVMTypeRef computeTy = LLVMFunctionType(i32, params, nb + ns, 0);
    fn = LLVMAddFunction(mod, f.name() + "_compute", computeTy);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    addCpuAttributes(fn);
    int noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
    for (int i = 0; i < nb; i++) {
      LLVMAddAttributeAtIndex(fn, i + 1, LLVMCreateEnumAttribute(ctx, noalias, 0));
      buffers.put(f.buffers().get(i), LLVMGetParam(fn, i));
    }
    entry = LLVMAppendBasicBlockInContext(ctx, fn, "entry");
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(ctx, fn, "body");
    LLVMPositionBuilderAtEnd(b, body);
    for (int i = 0; i < ns; i++) {
      Var v = f.scalarParams().get(i);
      LLVMValueRef p = LLVMGetParam(fn, nb + i);
      vars.put(v, v.dtype().bits() == 64 ? p : LLVMBuildTrunc(b, p, type(v.dtype()), v.name()));
    }
    stmt(f.body());
    LLVMBuildRet(b, LLVMConstInt(i32, 0, 0));
    LLVMPositionBuilderAtEnd(b, entry);
    LLVMBuildBr(b, body);
    assertMessages.put(f.name(), List.copyOf(asserts));

    // The exported wrapper: i32 f(ptr args).
    PointerPointer<?> wp = new PointerPointer<>(1).put(0, ptr);
    LLVMValueRef wrapper = LLVMAddFunction(mod, f.name(), LLVMFunctionType(i32, wp, 1, 0));
    addCpuAttributes(wrapper);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, wrapper, "entry"));
    LLVMValueRef args = LLVMGetParam(wrapper, 0);
    PointerPointer<LLVMValueRef> callArgs = new PointerPointer<>(Math.max(1, nb + ns));
    for (int i = 0; i < nb + ns; i++) {
      LLVMValueRef slot = LLVMBuildGEP2(b, i64, args, new PointerPointer<>(1).put(0, LLVMConstInt(i64, i, 0)), 1, "slot");
      LLVMValueRef v = LLVMBuildLoad2(b, i < nb ? ptr : i64, slot, "arg" + i);
      LLVMSetAlignment(v, 8);
      callArgs.put(i, v);
    }
    LLVMValueRef rc = LLVMBuildCall2(b, computeTy, fn, callArgs, nb + ns, "rc");
    LLVMBuildRet(b, rc);
  }

  private void addCpuAttributes(LLVMValueRef f) {
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, LLVMCreateStringAttribute(ctx, "target-cpu", 10, cpu, cpu.length()));
    if (!features.isEmpty()) {
      LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
          LLVMCreateStringAttribute(ctx, "target-features", 15, features, features.length()));
    }
    if (features.contains("+avx512f")) {
      // LLVM prefers 256-bit vectors on AVX-512 CPUs by default; 512-bit ones double the FMA rate
      // on server cores with two 512-bit FMA units (the machines nnvm4j is measured on).
      LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, LLVMCreateStringAttribute(ctx, "prefer-vector-width", 19, "512", 3));
    }
    int nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, nounwind, 0));
  }

  // ---------------------------------------------------------------- statements

  private void stmt(Stmt s) {
    switch (s) {
      case LetStmt n -> {
        vars.put(n.var(), expr(n.value()));
        stmt(n.body());
      }
      case AttrStmt n -> stmt(n.body());
      case AssertStmt n -> {
        asserts.add(n.message());
        LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(ctx, fn, "assert_ok");
        LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(ctx, fn, "assert_fail");
        LLVMBuildCondBr(b, expr(n.condition()), ok, fail);
        LLVMPositionBuilderAtEnd(b, fail);
        LLVMBuildRet(b, LLVMConstInt(LLVMInt32TypeInContext(ctx), asserts.size(), 0));
        LLVMPositionBuilderAtEnd(b, ok);
        stmt(n.body());
      }
      case For n -> loop(n);
      case IfThenElse n -> {
        LLVMBasicBlockRef then = LLVMAppendBasicBlockInContext(ctx, fn, "if_then");
        LLVMBasicBlockRef els = n.elseCase() == null ? null : LLVMAppendBasicBlockInContext(ctx, fn, "if_else");
        LLVMBasicBlockRef end = LLVMAppendBasicBlockInContext(ctx, fn, "if_end");
        LLVMBuildCondBr(b, expr(n.condition()), then, els == null ? end : els);
        LLVMPositionBuilderAtEnd(b, then);
        stmt(n.thenCase());
        LLVMBuildBr(b, end);
        if (els != null) {
          LLVMPositionBuilderAtEnd(b, els);
          stmt(n.elseCase());
          LLVMBuildBr(b, end);
        }
        LLVMPositionBuilderAtEnd(b, end);
      }
      case SeqStmt n -> n.seq().forEach(this::stmt);
      case BufferStore n -> store(n);
      case Allocate n -> allocate(n);
      case Evaluate n -> expr(n.value());
    }
  }

  private void loop(For n) {
    if (n.kind() == ForKind.THREAD_BINDING) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(funcName, null),
          "loop bound to " + n.threadTag() + ": GPU thread bindings cannot run on the llvm CPU backend");
    }
    if (n.kind() == ForKind.PARALLEL) {
      parallelLoop(n);
      return;
    }
    LLVMValueRef min = expr(n.min());
    serialLoop(n.loopVar(), min, LLVMBuildAdd(b, min, expr(n.extent()), "end"), n.body());
  }

  /** {@code for (v = begin; v < end; ++v) body} in the current function. */
  private void serialLoop(Var loopVar, LLVMValueRef begin, LLVMValueRef end, Stmt body) {
    LLVMTypeRef t = type(loopVar.dtype());
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(b);
    LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(ctx, fn, "for_head");
    LLVMBasicBlockRef bodyBlock = LLVMAppendBasicBlockInContext(ctx, fn, "for_body");
    LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(ctx, fn, "for_end");
    LLVMBuildBr(b, head);
    LLVMPositionBuilderAtEnd(b, head);
    LLVMValueRef i = LLVMBuildPhi(b, t, loopVar.name());
    LLVMAddIncoming(i, begin, pre, 1);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, i, end, ""), bodyBlock, exit);
    LLVMPositionBuilderAtEnd(b, bodyBlock);
    vars.put(loopVar, i);
    stmt(body);
    LLVMValueRef next = LLVMBuildNSWAdd(b, i, LLVMConstInt(t, 1, 0), "next");
    LLVMAddIncoming(i, next, LLVMGetInsertBlock(b), 1);
    LLVMBuildBr(b, head);
    LLVMPositionBuilderAtEnd(b, exit);
  }

  /**
   * A parallel loop: the body is outlined into {@code void f_parK(ptr slots)}, which runs a static
   * chunk of the iterations selected by {@code omp_get_thread_num()}; the caller passes the captured
   * values (loop bounds, bound vars, buffer pointers) in 8-byte slots to libgomp's
   * {@code GOMP_parallel}. {@code numThreads} 0 means libgomp's default (all cores, or OMP_NUM_THREADS).
   */
  private void parallelLoop(For n) {
    Captures cap = Captures.of(n.body(), vars.keySet(), buffers.keySet());
    if (cap.hasAssert()) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(funcName, null),
          "an assertion inside the parallel loop over '" + n.loopVar().name() + "'");
    }
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    DType lt = n.loopVar().dtype();
    int count = 2 + cap.vars().size() + cap.buffers().size();
    LLVMBasicBlockRef here = LLVMGetInsertBlock(b);
    LLVMPositionBuilderAtEnd(b, entry);
    LLVMValueRef slots = LLVMBuildArrayAlloca(b, i64, LLVMConstInt(i64, count, 0), "par_slots");
    LLVMSetAlignment(slots, 8);
    LLVMPositionBuilderAtEnd(b, here);
    List<LLVMValueRef> values = new ArrayList<>();
    values.add(toI64(expr(n.min()), lt));
    values.add(toI64(expr(n.extent()), lt));
    for (Var v : cap.vars()) {
      InternalCompilerError.check(v.dtype().bytes() <= 8, "captured %s of type %s does not fit a slot", v, v.dtype());
      values.add(vars.get(v));
    }
    for (Buffer buf : cap.buffers()) values.add(buffers.get(buf));
    for (int k = 0; k < count; k++) LLVMBuildStore(b, values.get(k), slot(slots, k));

    LLVMValueRef savedFn = fn;
    LLVMBasicBlockRef savedEntry = entry;
    Map<Var, LLVMValueRef> savedVars = vars;
    Map<Buffer, LLVMValueRef> savedBuffers = buffers;
    String base = funcName + "_par" + parallelCount++;
    LLVMTypeRef t = type(lt);

    // The loop over [begin, end) in a function whose buffer parameters are noalias, so that LLVM
    // keeps the aliasing facts (and vectorizes) after it is inlined into the task function.
    int nb = cap.buffers().size();
    int nv = cap.vars().size();
    PointerPointer<?> bodyParams = new PointerPointer<>(nb + nv + 2);
    for (int i = 0; i < nb; i++) bodyParams.put(i, ptr);
    for (int i = 0; i < nv; i++) bodyParams.put(nb + i, type(cap.vars().get(i).dtype()));
    bodyParams.put(nb + nv, t).put(nb + nv + 1, t);
    LLVMTypeRef rangeTy = LLVMFunctionType(LLVMVoidTypeInContext(ctx), bodyParams, nb + nv + 2, 0);
    LLVMValueRef rangeFn = LLVMAddFunction(mod, base + "_range", rangeTy);
    LLVMSetLinkage(rangeFn, LLVMInternalLinkage);
    addCpuAttributes(rangeFn);
    int noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
    for (int i = 0; i < nb; i++) LLVMAddAttributeAtIndex(rangeFn, i + 1, LLVMCreateEnumAttribute(ctx, noalias, 0));
    fn = rangeFn;
    entry = LLVMAppendBasicBlockInContext(ctx, fn, "entry");
    LLVMBasicBlockRef start = LLVMAppendBasicBlockInContext(ctx, fn, "start");
    LLVMPositionBuilderAtEnd(b, start);
    vars = new IdentityHashMap<>();
    buffers = new IdentityHashMap<>();
    for (int i = 0; i < nb; i++) buffers.put(cap.buffers().get(i), LLVMGetParam(fn, i));
    for (int i = 0; i < nv; i++) vars.put(cap.vars().get(i), LLVMGetParam(fn, nb + i));
    serialLoop(n.loopVar(), LLVMGetParam(fn, nb + nv), LLVMGetParam(fn, nb + nv + 1), n.body());
    LLVMBuildRetVoid(b);
    LLVMPositionBuilderAtEnd(b, entry);
    LLVMBuildBr(b, start);

    // The task function libgomp runs on each thread: unpack the slots, pick this thread's chunk.
    LLVMTypeRef taskTy = LLVMFunctionType(LLVMVoidTypeInContext(ctx), new PointerPointer<>(1).put(0, ptr), 1, 0);
    LLVMValueRef task = LLVMAddFunction(mod, base, taskTy);
    LLVMSetLinkage(task, LLVMInternalLinkage);
    addCpuAttributes(task);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, task, "entry"));
    LLVMValueRef in = LLVMGetParam(task, 0);
    LLVMValueRef min = LLVMBuildTrunc(b, LLVMBuildLoad2(b, i64, slot(in, 0), "min"), t, "");
    LLVMValueRef ext = LLVMBuildTrunc(b, LLVMBuildLoad2(b, i64, slot(in, 1), "extent"), t, "");
    PointerPointer<?> callArgs = new PointerPointer<>(nb + nv + 2);
    int k = 2;
    for (Var v : cap.vars()) callArgs.put(nb + (k - 2), LLVMBuildLoad2(b, type(v.dtype()), slot(in, k++), v.name()));
    for (int i = 0; i < nb; i++) callArgs.put(i, LLVMBuildLoad2(b, ptr, slot(in, k++), cap.buffers().get(i).name()));
    LLVMValueRef tid = LLVMBuildSExt(b, gomp("omp_get_thread_num", LLVMInt32TypeInContext(ctx)), t, "tid");
    LLVMValueRef nt = LLVMBuildSExt(b, gomp("omp_get_num_threads", LLVMInt32TypeInContext(ctx)), t, "nt");
    LLVMValueRef one = LLVMConstInt(t, 1, 0);
    LLVMValueRef chunk = LLVMBuildSDiv(b, LLVMBuildSub(b, LLVMBuildAdd(b, ext, nt, ""), one, ""), nt, "chunk");
    LLVMValueRef begin = LLVMBuildAdd(b, min, LLVMBuildMul(b, tid, chunk, ""), "begin");
    LLVMValueRef limit = LLVMBuildAdd(b, min, ext, "");
    LLVMValueRef end = LLVMBuildAdd(b, begin, chunk, "");
    end = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, end, limit, ""), end, limit, "end");
    callArgs.put(nb + nv, begin).put(nb + nv + 1, end);
    LLVMBuildCall2(b, rangeTy, rangeFn, callArgs, nb + nv + 2, "");
    LLVMBuildRetVoid(b);
    LLVMValueRef outlined = task;
    fn = savedFn;
    entry = savedEntry;
    vars = savedVars;
    buffers = savedBuffers;
    LLVMPositionBuilderAtEnd(b, here);

    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
    PointerPointer<?> ps = new PointerPointer<>(4).put(0, ptr).put(1, ptr).put(2, i32).put(3, i32);
    LLVMTypeRef gompTy = LLVMFunctionType(LLVMVoidTypeInContext(ctx), ps, 4, 0);
    LLVMValueRef gomp = declare("GOMP_parallel", gompTy);
    PointerPointer<?> args = new PointerPointer<>(4).put(0, outlined).put(1, slots)
        .put(2, LLVMConstInt(i32, numThreads, 0)).put(3, LLVMConstInt(i32, 0, 0));
    LLVMBuildCall2(b, gompTy, gomp, args, 4, "");
    usesOpenMp = true;
  }

  private LLVMValueRef slot(LLVMValueRef base, int k) {
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    return LLVMBuildGEP2(b, i64, base, new PointerPointer<>(1).put(0, LLVMConstInt(i64, k, 0)), 1, "");
  }

  private LLVMValueRef gomp(String name, LLVMTypeRef ret) {
    LLVMTypeRef ft = LLVMFunctionType(ret, new PointerPointer<>(0), 0, 0);
    return LLVMBuildCall2(b, ft, declare(name, ft), new PointerPointer<>(0), 0, "");
  }

  private LLVMValueRef declare(String name, LLVMTypeRef ft) {
    LLVMValueRef f = LLVMGetNamedFunction(mod, name);
    return f == null || f.isNull() ? LLVMAddFunction(mod, name, ft) : f;
  }

  private void allocate(Allocate n) {
    Buffer buf = n.buffer();
    LLVMTypeRef el = memType(buf.dtype());
    Long constant = 1L;
    for (Expr d : buf.shape()) {
      Long c = IrOps.asLong(d);
      constant = c == null || constant == null ? null : constant * c;
    }
    if (constant != null && constant * buf.dtype().bytes() <= 256 * 1024) {
      LLVMBasicBlockRef here = LLVMGetInsertBlock(b);
      LLVMPositionBuilderAtEnd(b, entry); // entry gets its branch to 'body' only at the end
      LLVMValueRef mem = LLVMBuildArrayAlloca(b, el, LLVMConstInt(LLVMInt64TypeInContext(ctx), Math.max(1, constant), 0),
          buf.name());
      LLVMSetAlignment(mem, 64);
      LLVMPositionBuilderAtEnd(b, here);
      buffers.put(buf, mem);
      stmt(n.body());
      return;
    }
    LLVMValueRef count = LLVMConstInt(LLVMInt64TypeInContext(ctx), 1, 0);
    for (Expr d : buf.shape()) count = LLVMBuildMul(b, count, toI64(expr(d), d.dtype()), "");
    LLVMValueRef mem = LLVMBuildArrayMalloc(b, el, count, buf.name());
    buffers.put(buf, mem);
    stmt(n.body());
    LLVMBuildFree(b, mem);
  }

  private void store(BufferStore n) {
    Buffer buf = n.buffer();
    Expr index = flatIndex(n.indices(), buf);
    LLVMValueRef value = expr(n.value());
    DType el = buf.dtype();
    if (el.isBool()) value = LLVMBuildZExt(b, value, type(DType.U8.withLanes(n.value().dtype().lanes())), "");
    if (el.code() == DType.Code.BFLOAT) value = LlvmBFloat16.toBits(b, ctx, value, n.value().dtype().lanes());
    if (index instanceof Ramp r && IrOps.isConst(r.stride(), 1)) {
      LLVMValueRef p = address(buf, r.base());
      LLVMValueRef st = LLVMBuildStore(b, value, p);
      LLVMSetAlignment(st, el.bytes());
    } else if (index.dtype().lanes() > 1) {
      LLVMValueRef idx = expr(index);
      for (int l = 0; l < index.dtype().lanes(); l++) {
        LLVMValueRef lane = LLVMConstInt(LLVMInt32TypeInContext(ctx), l, 0);
        LLVMValueRef p = addressOf(buf, LLVMBuildExtractElement(b, idx, lane, ""), index.dtype().element());
        LLVMValueRef st = LLVMBuildStore(b, LLVMBuildExtractElement(b, value, lane, ""), p);
        LLVMSetAlignment(st, el.bytes());
      }
    } else {
      LLVMValueRef st = LLVMBuildStore(b, value, address(buf, index));
      LLVMSetAlignment(st, el.bytes());
    }
  }

  private Expr flatIndex(List<Expr> indices, Buffer buf) {
    if (indices.size() != 1) {
      throw new InternalCompilerError("llvm codegen needs flattened accesses to " + buf.name() + "; run tir.flatten-storage");
    }
    return indices.get(0);
  }

  private LLVMValueRef address(Buffer buf, Expr scalarIndex) {
    return addressOf(buf, expr(scalarIndex), scalarIndex.dtype());
  }

  private LLVMValueRef addressOf(Buffer buf, LLVMValueRef index, DType indexType) {
    LLVMValueRef base = buffers.get(buf);
    if (base == null) throw new InternalCompilerError("buffer " + buf.name() + " is not allocated in " + funcName);
    LLVMValueRef idx = toI64(index, indexType);
    return LLVMBuildInBoundsGEP2(b, memType(buf.dtype()), base, new PointerPointer<>(1).put(0, idx), 1, "");
  }

  private LLVMValueRef toI64(LLVMValueRef v, DType t) {
    if (t.bits() == 64) return v;
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    return t.isUInt() ? LLVMBuildZExt(b, v, i64, "") : LLVMBuildSExt(b, v, i64, "");
  }

  // ---------------------------------------------------------------- expressions

  private LLVMValueRef expr(Expr e) {
    return switch (e) {
      case IntImm n -> LLVMConstInt(type(n.dtype()), n.value(), n.dtype().isInt() ? 1 : 0);
      case FloatImm n -> LLVMConstReal(type(n.dtype()), n.dtype().code() == DType.Code.BFLOAT ? org.nnvm4j.tensor.BFloat16.round(n.value()) : n.value());
      case StringImm n -> throw new InternalCompilerError("string immediate in llvm codegen: " + n.value());
      case Var n -> {
        LLVMValueRef v = vars.get(n);
        if (v == null) throw new InternalCompilerError("unbound var " + n.name() + " in " + funcName);
        yield v;
      }
      case Cast n -> LlvmCasts.cast(b, ctx, expr(n.value()), n.value().dtype(), n.dtype(), type(n.dtype()));
      case BinaryExpr n -> {
        LLVMValueRef r = LlvmArith.binary(b, ctx, n, expr(n.a()), expr(n.b()), type(n.a().dtype()), this::intrinsic);
        if (contract && n.a().dtype().isFloat() && (n instanceof Add || n instanceof Sub || n instanceof Mul)) {
          LLVMSetFastMathFlags(r, LLVMFastMathAllowContract);
        }
        yield r;
      }
      case Not n -> LLVMBuildNot(b, expr(n.a()), "");
      case Select n -> LLVMBuildSelect(b, expr(n.condition()), expr(n.trueValue()), expr(n.falseValue()), "");
      case BufferLoad n -> load(n);
      case ProducerLoad n -> throw new InternalCompilerError("unlowered tensor load of " + n.producer().name());
      case Ramp n -> {
        LLVMValueRef base = expr(n.base());
        LLVMValueRef stride = expr(n.stride());
        LLVMValueRef v = LLVMGetUndef(type(n.dtype()));
        LLVMTypeRef t = type(n.base().dtype());
        for (int l = 0; l < n.lanes(); l++) {
          LLVMValueRef lane = LLVMBuildAdd(b, base, LLVMBuildMul(b, stride, LLVMConstInt(t, l, 0), ""), "");
          v = LLVMBuildInsertElement(b, v, lane, LLVMConstInt(LLVMInt32TypeInContext(ctx), l, 0), "");
        }
        yield v;
      }
      case Broadcast n -> broadcast(expr(n.value()), n.lanes(), type(n.dtype()));
      case Call n -> Intrinsics.isIfThenElse(n) ? ifThenElse(n) : call(n);
      case Let n -> {
        vars.put(n.var(), expr(n.value()));
        yield expr(n.body());
      }
      case Reduce n -> throw new InternalCompilerError("unlowered reduction in llvm codegen");
    };
  }

  private LLVMValueRef broadcast(LLVMValueRef scalar, int lanes, LLVMTypeRef vecType) {
    LLVMValueRef v = LLVMBuildInsertElement(b, LLVMGetUndef(vecType), scalar, LLVMConstInt(LLVMInt32TypeInContext(ctx), 0, 0), "");
    LLVMValueRef mask = LLVMConstNull(LLVMVectorType(LLVMInt32TypeInContext(ctx), lanes));
    return LLVMBuildShuffleVector(b, v, LLVMGetUndef(vecType), mask, "");
  }

  private LLVMValueRef load(BufferLoad n) {
    Buffer buf = n.buffer();
    Expr index = flatIndex(n.indices(), buf);
    DType el = buf.dtype();
    LLVMValueRef v;
    if (index instanceof Ramp r && IrOps.isConst(r.stride(), 1)) {
      v = LLVMBuildLoad2(b, memType(el.withLanes(r.lanes())), address(buf, r.base()), "");
      LLVMSetAlignment(v, el.bytes());
    } else if (index.dtype().lanes() > 1) {
      LLVMValueRef idx = expr(index);
      v = LLVMGetUndef(memType(el.withLanes(index.dtype().lanes())));
      for (int l = 0; l < index.dtype().lanes(); l++) {
        LLVMValueRef lane = LLVMConstInt(LLVMInt32TypeInContext(ctx), l, 0);
        LLVMValueRef x = LLVMBuildLoad2(b, memType(el), addressOf(buf, LLVMBuildExtractElement(b, idx, lane, ""),
            index.dtype().element()), "");
        LLVMSetAlignment(x, el.bytes());
        v = LLVMBuildInsertElement(b, v, x, lane, "");
      }
    } else {
      v = LLVMBuildLoad2(b, memType(el), address(buf, index), "");
      LLVMSetAlignment(v, el.bytes());
    }
    if (el.isBool()) v = LLVMBuildTrunc(b, v, type(n.dtype()), "");
    if (el.code() == DType.Code.BFLOAT) v = LlvmBFloat16.fromBits(b, ctx, v, n.dtype().lanes());
    return v;
  }

  /** {@code call_extern("f", args...)}: declares the C function {@code f} with the arguments' types and calls it. */
  private LLVMValueRef callExtern(Call c) {
    if (!(c.args().get(0) instanceof StringImm sym)) throw new InternalCompilerError("call_extern without a symbol: " + c);
    List<Expr> params = c.args().subList(1, c.args().size());
    PointerPointer<LLVMTypeRef> types = new PointerPointer<>(Math.max(1, params.size()));
    PointerPointer<LLVMValueRef> values = new PointerPointer<>(Math.max(1, params.size()));
    for (int i = 0; i < params.size(); i++) {
      types.put(i, type(params.get(i).dtype()));
      values.put(i, expr(params.get(i)));
    }
    LLVMTypeRef ft = LLVMFunctionType(type(c.dtype()), types, params.size(), 0);
    LLVMValueRef f = LLVMGetNamedFunction(mod, sym.value());
    if (f != null && !f.isNull() && !LLVMGlobalGetValueType(f).equals(ft)) {
      throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(funcName, null), "call_extern " + sym.value()
          + ": called with two different signatures in one module");
    }
    if (f == null || f.isNull()) f = LLVMAddFunction(mod, sym.value(), ft);
    return LLVMBuildCall2(b, ft, f, values, params.size(), "");
  }

  /** {@code if_then_else(c, t, f)}: a branch on {@code c}, each arm evaluated in its own block, joined by a phi. */
  private LLVMValueRef ifThenElse(Call n) {
    LLVMValueRef cond = expr(n.args().get(0));
    LLVMBasicBlockRef then = LLVMAppendBasicBlockInContext(ctx, fn, "ite_then");
    LLVMBasicBlockRef els = LLVMAppendBasicBlockInContext(ctx, fn, "ite_else");
    LLVMBasicBlockRef end = LLVMAppendBasicBlockInContext(ctx, fn, "ite_end");
    LLVMBuildCondBr(b, cond, then, els);
    LLVMPositionBuilderAtEnd(b, then);
    LLVMValueRef t = expr(n.args().get(1));
    LLVMBasicBlockRef thenExit = LLVMGetInsertBlock(b);
    LLVMBuildBr(b, end);
    LLVMPositionBuilderAtEnd(b, els);
    LLVMValueRef f = expr(n.args().get(2));
    LLVMBasicBlockRef elseExit = LLVMGetInsertBlock(b);
    LLVMBuildBr(b, end);
    LLVMPositionBuilderAtEnd(b, end);
    LLVMValueRef phi = LLVMBuildPhi(b, type(n.dtype()), "ite");
    LLVMAddIncoming(phi, t, thenExit, 1);
    LLVMAddIncoming(phi, f, elseExit, 1);
    return phi;
  }

  private LLVMValueRef call(Call c) {
    if (c.op().equals(Intrinsics.CALL_EXTERN)) return callExtern(c);
    if (c.op().equals(Intrinsics.ADDRESS_OF) && c.args().get(0) instanceof BufferLoad l) {
      return address(l.buffer(), flatIndex(l.indices(), l.buffer()));
    }
    List<LLVMValueRef> args = c.args().stream().map(this::expr).toList();
    LLVMTypeRef t = type(c.dtype());
    return switch (c.op()) {
      case "exp", "log", "sqrt", "fabs", "floor", "ceil", "trunc", "sin", "cos" ->
          intrinsic(c.op().equals("fabs") ? "llvm.fabs" : "llvm." + c.op(), t, args.get(0));
      case "round" -> intrinsic("llvm.nearbyint", t, args.get(0));
      case "pow" -> intrinsic("llvm.pow", t, args.get(0), args.get(1));
      case "fma" -> intrinsic("llvm.fma", t, args.get(0), args.get(1), args.get(2));
      case "popcount" -> intrinsic("llvm.ctpop", t, args.get(0));
      case "fmod" -> LLVMBuildFRem(b, args.get(0), args.get(1), "");
      case "rsqrt" -> LLVMBuildFDiv(b, constant(c.dtype(), 1), intrinsic("llvm.sqrt", t, args.get(0)), "");
      case "sigmoid" -> {
        LLVMValueRef e = intrinsic("llvm.exp", t, LLVMBuildFNeg(b, args.get(0), ""));
        LLVMValueRef one = constant(c.dtype(), 1);
        yield LLVMBuildFDiv(b, one, LLVMBuildFAdd(b, one, e, ""), "");
      }
      case "tanh", "erf", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh" -> libm(c.op(), c.dtype(), args.get(0));
      default -> throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(funcName, null),
          "the llvm backend has no intrinsic '" + c.op() + "'");
    };
  }

  private LLVMValueRef constant(DType t, double v) {
    LLVMValueRef s = LLVMConstReal(type(t.element()), v);
    return t.lanes() == 1 ? s : broadcast(s, t.lanes(), type(t));
  }

  /** Calls the overloaded LLVM intrinsic {@code name} at type {@code t}. */
  LLVMValueRef intrinsic(String name, LLVMTypeRef t, LLVMValueRef... args) {
    int id = LLVMLookupIntrinsicID(name, name.length());
    InternalCompilerError.check(id != 0, "no LLVM intrinsic %s", name);
    PointerPointer<?> tys = new PointerPointer<>(1).put(0, t);
    LLVMValueRef f = LLVMGetIntrinsicDeclaration(mod, id, tys, 1);
    LLVMTypeRef ft = LLVMIntrinsicGetType(ctx, id, tys, 1);
    PointerPointer<LLVMValueRef> a = new PointerPointer<>(args.length);
    for (int i = 0; i < args.length; i++) a.put(i, args[i]);
    return LLVMBuildCall2(b, ft, f, a, args.length, "");
  }

  /** Calls the C math library's {@code name}/{@code namef}, lane by lane for vectors. */
  private LLVMValueRef libm(String name, DType t, LLVMValueRef x) {
    DType el = t.element();
    if (el.bits() != 32 && el.bits() != 64) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(funcName, null), name + " of " + t + " on the llvm backend");
    }
    LLVMTypeRef et = type(el);
    String sym = el.bits() == 32 ? name + "f" : name;
    LLVMTypeRef ft = LLVMFunctionType(et, new PointerPointer<>(1).put(0, et), 1, 0);
    LLVMValueRef f = LLVMGetNamedFunction(mod, sym);
    if (f == null || f.isNull()) f = LLVMAddFunction(mod, sym, ft);
    if (t.lanes() == 1) return LLVMBuildCall2(b, ft, f, new PointerPointer<>(1).put(0, x), 1, "");
    LLVMValueRef v = LLVMGetUndef(type(t));
    for (int l = 0; l < t.lanes(); l++) {
      LLVMValueRef lane = LLVMConstInt(LLVMInt32TypeInContext(ctx), l, 0);
      LLVMValueRef r = LLVMBuildCall2(b, ft, f, new PointerPointer<>(1).put(0, LLVMBuildExtractElement(b, x, lane, "")), 1, "");
      v = LLVMBuildInsertElement(b, v, r, lane, "");
    }
    return v;
  }

  // ---------------------------------------------------------------- types

  /** The register type of {@code t} (bool is i1). */
  LLVMTypeRef type(DType t) {
    LLVMTypeRef el = switch (t.code()) {
      case INT, UINT -> LLVMIntTypeInContext(ctx, t.bits());
      case FLOAT -> switch (t.bits()) {
        case 16 -> LLVMHalfTypeInContext(ctx);
        case 32 -> LLVMFloatTypeInContext(ctx);
        default -> LLVMDoubleTypeInContext(ctx);
      };
      case BFLOAT -> LLVMFloatTypeInContext(ctx); // storage type: arithmetic in float32
      case HANDLE -> LLVMPointerTypeInContext(ctx, 0);
    };
    return t.lanes() == 1 ? el : LLVMVectorType(el, t.lanes());
  }

  /** The in-memory type of {@code t} (bool is i8, bfloat16 is i16). */
  LLVMTypeRef memType(DType t) {
    if (t.isBool()) return type(DType.U8.withLanes(t.lanes()));
    if (t.code() == DType.Code.BFLOAT) return type(DType.U16.withLanes(t.lanes()));
    return type(t);
  }
}
