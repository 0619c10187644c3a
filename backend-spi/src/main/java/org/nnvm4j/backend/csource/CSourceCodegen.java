package org.nnvm4j.backend.csource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apiguardian.api.API;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Add;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.And;
import org.nnvm4j.tensor.tir.AssertStmt;
import org.nnvm4j.tensor.tir.AttrStmt;
import org.nnvm4j.tensor.tir.BinaryExpr;
import org.nnvm4j.tensor.tir.Broadcast;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Call;
import org.nnvm4j.tensor.tir.Cast;
import org.nnvm4j.tensor.tir.Div;
import org.nnvm4j.tensor.tir.EQ;
import org.nnvm4j.tensor.tir.Evaluate;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.FloatImm;
import org.nnvm4j.tensor.tir.FloorDiv;
import org.nnvm4j.tensor.tir.FloorMod;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.GE;
import org.nnvm4j.tensor.tir.GT;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.IntImm;
import org.nnvm4j.tensor.tir.Intrinsics;
import org.nnvm4j.tensor.tir.LE;
import org.nnvm4j.tensor.tir.LT;
import org.nnvm4j.tensor.tir.Let;
import org.nnvm4j.tensor.tir.LetStmt;
import org.nnvm4j.tensor.tir.Max;
import org.nnvm4j.tensor.tir.Min;
import org.nnvm4j.tensor.tir.Mod;
import org.nnvm4j.tensor.tir.Mul;
import org.nnvm4j.tensor.tir.NE;
import org.nnvm4j.tensor.tir.Not;
import org.nnvm4j.tensor.tir.Or;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.Ramp;
import org.nnvm4j.tensor.tir.Reduce;
import org.nnvm4j.tensor.tir.Select;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StringImm;
import org.nnvm4j.tensor.tir.Sub;
import org.nnvm4j.tensor.tir.TirPrinter;
import org.nnvm4j.tensor.tir.Var;

/**
 * Prints the kernels of a lowered, flattened TIR function as C source (TVM's {@code CodeGenC},
 * Halide's {@code CodeGen_C}). Everything a C dialect decides is a protected hook: the kernel
 * qualifier, address spaces, type names, thread indices, vector syntax, math intrinsics, barriers.
 * A backend subclass overrides only those hooks.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public abstract class CSourceCodegen extends TirPrinter {
  /** The intrinsic a barrier is written as: {@code Evaluate(Call("tvm_storage_sync", "shared"))}. */
  public static final String STORAGE_SYNC = Intrinsics.STORAGE_SYNC;

  private static final Set<String> RESERVED = Set.of("auto", "break", "case", "char", "const", "continue", "default",
      "do", "double", "else", "enum", "extern", "float", "for", "goto", "half", "if", "int", "long", "register",
      "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
      "volatile", "while", "kernel", "global", "local", "constant", "private", "restrict", "bool", "uint", "uchar",
      "ushort", "ulong", "size_t");

  private final Map<Object, String> cNames = new IdentityHashMap<>();
  private final Set<String> usedNames = new HashSet<>();
  private final List<String> pendingLets = new ArrayList<>();
  /** Loop and let vars of the kernel being printed whose values are never negative. */
  private final Set<Var> nonNegativeVars = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
  /** The shared arrays of the kernel being printed, declared at its top. */
  private final Set<Buffer> hoisted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

  /** Prints every kernel of {@code split}, in launch order, after the {@link #preamble()}. */
  public final String generate(KernelSplit.Result split) { return generate(List.of(split)); }

  /**
   * Prints the kernels of every function of {@code splits}, in order, after one {@link #preamble()};
   * each kernel is its own naming scope. Use an instance once.
   */
  public final String generate(List<KernelSplit.Result> splits) {
    out.append(preamble());
    for (KernelSplit.Result split : splits) {
      for (KernelSplit.Kernel k : split.kernels()) printKernel(split, k);
    }
    return out.toString();
  }

  // ---- hooks ----------------------------------------------------------------------------------------

  /** Text before the first kernel: a header comment, pragmas, includes. */
  protected String preamble() { return ""; }

  /** What precedes the return type of a kernel, e.g. {@code __kernel }. */
  protected abstract String kernelQualifier();

  /** The address-space qualifier of a buffer pointer or array in {@code scope} ({@code global}, {@code shared}, {@code local}). */
  protected abstract String addressSpace(String scope);

  /** The expression of thread index {@code tag} ({@code blockIdx.x}, ..., {@code threadIdx.z}). */
  protected abstract String threadIndex(String tag);

  /** The statement of a barrier among the threads of a block for memory in {@code scope}. */
  protected abstract String barrier(String scope);

  /** The C name of a scalar type. */
  protected String scalarType(DType t) {
    return switch (t.code()) {
      case INT -> "int" + t.bits() + "_t";
      case UINT -> t.bits() == 1 ? "bool" : "uint" + t.bits() + "_t";
      case FLOAT -> switch (t.bits()) {
        case 16 -> "_Float16";
        case 32 -> "float";
        default -> "double";
      };
      case BFLOAT -> throw unsupported("bfloat16 has no C type");
      case HANDLE -> "void*";
    };
  }

  /** The type of {@code t} as stored in a buffer, where it may differ from the register type {@link #scalarType}. */
  protected String elementType(DType t) { return scalarType(t); }

  /** A load of element {@code index} of {@code buffer}, whose elements are {@code t}. */
  protected String loadElement(String buffer, String index, DType t) { return buffer + "[" + index + "]"; }

  /** The statement (without {@code ;}) storing {@code value} to element {@code index} of {@code buffer}. */
  protected String storeElement(String buffer, String index, String value, DType t) {
    return buffer + "[" + index + "] = " + value;
  }

  /** The name of a vector type of {@code t.lanes()} lanes. */
  protected String vectorType(DType t) { throw unsupported("vector type " + t + " in C source"); }

  /** The vector {@code [base, base + stride, ...]}. */
  protected String ramp(String base, String stride, DType t) { throw unsupported("vector ramp in C source"); }

  /** {@code value} in every lane of {@code t}. */
  protected String broadcast(String value, DType t) { throw unsupported("vector broadcast in C source"); }

  /** The vector whose lanes are {@code lanes}, in order. */
  protected String vectorLiteral(List<String> lanes, DType t) { throw unsupported("vector literal in C source"); }

  /** A contiguous vector load of {@code t.lanes()} elements of {@code buffer} from {@code base}. */
  protected String vectorLoad(String buffer, String base, DType t) { throw unsupported("vector load in C source"); }

  /** A contiguous vector store statement. */
  protected String vectorStore(String buffer, String base, String value, DType t) {
    throw unsupported("vector store in C source");
  }

  /** A conversion of {@code value} from {@code from} to {@code to}. */
  protected String cast(String value, DType from, DType to) {
    return "((" + (to.lanes() == 1 ? scalarType(to) : vectorType(to)) + ")" + value + ")";
  }

  /** The call of math intrinsic {@code op} (one of {@link Intrinsics}) on {@code args} of type {@code t}. */
  protected String mathCall(String op, List<String> args, DType t) {
    String suffix = t.bits() == 32 ? "f" : "";
    return switch (op) {
      // round is the intrinsic's halves-to-even (C's rint); C's round takes halves away from zero.
      case "round" -> "rint" + suffix + "(" + args.get(0) + ")";
      case "fabs", "exp", "log", "sqrt", "tanh", "erf", "floor", "ceil", "trunc", "sin", "cos", "pow", "fmod", "tan", "asin",
          "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh" ->
          op + suffix + "(" + String.join(", ", args) + ")";
      case "rsqrt" -> "(1 / sqrt" + suffix + "(" + args.get(0) + "))";
      case "sigmoid" -> "(1 / (1 + exp" + suffix + "(-" + args.get(0) + ")))";
      // zero-extend through the unsigned type of the same width, then count in 32 or 64 bits
      case Intrinsics.POPCOUNT -> "((" + scalarType(t) + ")" + (t.bits() > 32 ? "__builtin_popcountll((unsigned long long)"
          : "__builtin_popcount((unsigned int)") + "(uint" + t.bits() + "_t)(" + args.get(0) + ")))";
      default -> throw unsupported("intrinsic " + op);
    };
  }

  /** {@code min} or {@code max} of two values of type {@code t}. */
  protected String minMax(boolean isMin, String a, String b, DType t) {
    return "((" + a + ") " + (isMin ? "<" : ">") + " (" + b + ") ? (" + a + ") : (" + b + "))";
  }

  /** An integer literal of type {@code t}. */
  protected String intLiteral(long v, DType t) {
    if (t.isBool()) return v != 0 ? "true" : "false";
    String s = Long.toString(v);
    if (t.bits() == 64) s += t.isUInt() ? "UL" : "L";
    else if (t.isUInt()) s += "u";
    return v < 0 ? "(" + s + ")" : s;
  }

  /** A float literal of type {@code t}; infinities and NaN use {@code INFINITY} and {@code NAN}. */
  protected String floatLiteral(double v, DType t) {
    if (Double.isNaN(v)) return "NAN";
    if (Double.isInfinite(v)) return v > 0 ? "INFINITY" : "(-INFINITY)";
    String s = t.bits() <= 32 ? Float.toString((float) v) + "f" : Double.toString(v);
    return v < 0 ? "(" + s + ")" : s;
  }

  /** What a failed {@link AssertStmt} does inside a kernel; none can by default. */
  protected String assertFailure(String message) {
    throw unsupported("assertion '" + message + "' inside a device kernel");
  }

  // ---- kernels and statements -----------------------------------------------------------------------

  private void printKernel(KernelSplit.Result split, KernelSplit.Kernel k) {
    cNames.clear();
    usedNames.clear();
    nonNegativeVars.clear();
    List<String> params = new ArrayList<>();
    for (Buffer b : split.kernelBuffers()) {
      params.add(addressSpace(b.scope()) + elementType(b.dtype()) + "* restrict " + nameOf(b));
    }
    for (Var v : split.function().scalarParams()) params.add(scalarType(v.dtype()) + " " + nameOf(v));
    out.append(kernelQualifier()).append("void ").append(k.name()).append('(')
        .append(String.join(", ", params)).append(") {\n");
    indent++;
    hoisted.clear();
    new org.nnvm4j.tensor.tir.StmtExprVisitor() {
      @Override
      public void visit(Stmt s) {
        if (s instanceof Allocate a && a.buffer().scope().equals("shared")) hoisted.add(a.buffer());
        super.visit(s);
      }
    }.visit(k.body());
    for (Buffer b : hoisted) declare(b);
    printStmt(k.body());
    indent--;
    out.append("}\n\n");
  }

  @Override
  protected void printFunc(org.nnvm4j.tensor.tir.PrimFunc f) { generate(KernelSplit.split(f)); }

  @Override
  protected void printStmt(Stmt s) {
    switch (s) {
      case LetStmt n -> {
        if (n.var().dtype().isIntegral() && nonNegative(n.value())) nonNegativeVars.add(n.var());
        statement(scalarType(n.var().dtype()) + " " + nameOf(n.var()) + " = " + expr(n.value()) + ";");
        printStmt(n.body());
      }
      case AttrStmt n -> {
        line("// attr " + n.key() + " = " + expr(n.value()));
        printStmt(n.body());
      }
      case AssertStmt n -> {
        statement("if (!(" + expr(n.condition()) + ")) { " + assertFailure(n.message()) + " }");
        printStmt(n.body());
      }
      case For n -> printFor(n);
      case IfThenElse n -> {
        statement("if (" + expr(n.condition()) + ") {");
        nest(n.thenCase());
        if (n.elseCase() != null) {
          line("} else {");
          nest(n.elseCase());
        }
        line("}");
      }
      case SeqStmt n -> n.seq().forEach(this::printStmt);
      case BufferStore n -> printStore(n);
      case Allocate n -> {
        Buffer b = n.buffer();
        if (b.scope().equals("global")) {
          throw new InternalCompilerError("global allocation of " + b.name() + " inside a kernel; KernelSplit hoists them");
        }
        if (!hoisted.contains(b)) declare(b);
        printStmt(n.body());
      }
      case Evaluate n -> {
        if (n.value() instanceof Call c && c.op().equals(STORAGE_SYNC)) {
          String scope = !c.args().isEmpty() && c.args().get(0) instanceof StringImm str ? str.value() : "shared";
          line(barrier(scope));
        } else {
          statement(expr(n.value()) + ";");
        }
      }
    }
  }

  /**
   * Declares the array of an allocation. Shared ({@code __local}) arrays are declared at the top of the
   * kernel, where OpenCL C requires them, and need a constant size.
   */
  private void declare(Buffer b) {
    if (b.scope().equals("shared") && !b.shape().stream().allMatch(e -> e instanceof IntImm)) {
      throw unsupported("shared buffer " + b.name() + " of symbolic size " + b.shape() + "; a block's shared memory"
          + " has a size fixed at compile time");
    }
    boolean constant = b.shape().stream().allMatch(e -> e instanceof IntImm);
    String size = constant ? Long.toString(b.shape().stream().mapToLong(e -> ((IntImm) e).value()).reduce(1, Math::multiplyExact))
        : b.shape().stream().map(this::expr).collect(Collectors.joining(" * "));
    statement(addressSpace(b.scope()) + elementType(b.dtype()) + " " + nameOf(b) + "[" + size + "];");
  }

  private void printFor(For n) {
    if (nonNegative(n.min())) nonNegativeVars.add(n.loopVar());
    String v = nameOf(n.loopVar());
    String t = scalarType(n.loopVar().dtype());
    switch (n.kind()) {
      case THREAD_BINDING -> {
        statement(t + " " + v + " = " + threadIndex(n.threadTag()) + ";");
        printStmt(n.body());
      }
      case PARALLEL -> throw unsupported("parallel loop " + n.loopVar().name() + " inside a device kernel; bind it to a"
          + " thread index instead");
      case SERIAL, VECTORIZED, UNROLLED -> {
        if (n.kind() == org.nnvm4j.tensor.tir.ForKind.UNROLLED) line("#pragma unroll");
        String min = expr(n.min());
        String end = org.nnvm4j.tensor.tir.IrOps.isConst(n.min(), 0) ? expr(n.extent())
            : "(" + min + ") + (" + expr(n.extent()) + ")";
        statement("for (" + t + " " + v + " = " + min + "; " + v + " < " + end + "; ++" + v + ") {");
        nest(n.body());
        line("}");
      }
    }
  }

  private void printStore(BufferStore n) {
    Expr idx = n.indices().size() == 1 ? n.indices().get(0) : null;
    if (idx == null) throw new InternalCompilerError("store to " + n.buffer().name() + " is not flattened; run tir.flatten-storage");
    String value = expr(n.value());
    if (idx instanceof Ramp r && org.nnvm4j.tensor.tir.IrOps.isConst(r.stride(), 1)) {
      statement(vectorStore(nameOf(n.buffer()), expr(r.base()), value, n.value().dtype()) + ";");
    } else if (idx.dtype().lanes() > 1) {
      throw unsupported("a scatter store to " + n.buffer().name());
    } else {
      statement(storeElement(nameOf(n.buffer()), expr(idx), value, n.buffer().dtype()) + ";");
    }
  }

  /** Writes {@code text} after the declarations that the {@link Let} expressions in it need. */
  private void statement(String text) {
    List<String> lets = List.copyOf(pendingLets);
    pendingLets.clear();
    lets.forEach(this::line);
    line(text);
  }

  private void nest(Stmt s) {
    indent++;
    printStmt(s);
    indent--;
  }

  // ---- expressions ----------------------------------------------------------------------------------

  @Override
  protected String expr(Expr e) {
    return switch (e) {
      case IntImm n -> intLiteral(n.value(), n.dtype());
      case FloatImm n -> floatLiteral(n.value(), n.dtype());
      case StringImm n -> "\"" + n.value().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      case Var n -> nameOf(n);
      case Cast n -> cast(expr(n.value()), n.value().dtype(), n.dtype());
      case BinaryExpr n -> binary(n);
      case Not n -> "(!" + expr(n.a()) + ")";
      case Select n -> "(" + expr(n.condition()) + " ? " + expr(n.trueValue()) + " : " + expr(n.falseValue()) + ")";
      case BufferLoad n -> load(n);
      case ProducerLoad n -> throw new InternalCompilerError("tensor load of " + n.producer().name() + " reached codegen; lower first");
      case Ramp n -> ramp(expr(n.base()), expr(n.stride()), n.dtype());
      case Broadcast n -> broadcast(expr(n.value()), n.dtype());
      case Call n -> call(n);
      case Let n -> {
        pendingLets.add(scalarType(n.var().dtype()) + " " + nameOf(n.var()) + " = " + expr(n.value()) + ";");
        yield expr(n.body());
      }
      case Reduce n -> throw new InternalCompilerError("reduction reached codegen; lower first");
    };
  }

  private String load(BufferLoad n) {
    if (n.indices().size() != 1) throw new InternalCompilerError("load of " + n.buffer().name() + " is not flattened");
    Expr idx = n.indices().get(0);
    if (idx instanceof Ramp r && org.nnvm4j.tensor.tir.IrOps.isConst(r.stride(), 1)) {
      return vectorLoad(nameOf(n.buffer()), expr(r.base()), n.dtype());
    }
    if (idx instanceof Ramp r) {
      List<String> lanes = new ArrayList<>();
      for (int k = 0; k < r.lanes(); k++) {
        lanes.add(loadElement(nameOf(n.buffer()), expr(r.base()) + " + " + k + " * " + expr(r.stride()), n.buffer().dtype()));
      }
      return vectorLiteral(lanes, n.dtype());
    }
    if (idx.dtype().lanes() > 1) throw unsupported("a gather load from " + n.buffer().name() + " with a computed index vector");
    return loadElement(nameOf(n.buffer()), expr(idx), n.buffer().dtype());
  }

  private String call(Call n) {
    if (n.op().equals(Intrinsics.CALL_EXTERN) && n.args().get(0) instanceof StringImm sym) {
      return sym.value() + "(" + String.join(", ", n.args().subList(1, n.args().size()).stream().map(this::expr).toList()) + ")";
    }
    if (n.op().equals(Intrinsics.ADDRESS_OF) && n.args().get(0) instanceof BufferLoad l && l.indices().size() == 1) {
      return "(&" + nameOf(l.buffer()) + "[" + expr(l.indices().get(0)) + "])";
    }
    if (Intrinsics.isIfThenElse(n)) {
      // C's ?: evaluates only the chosen operand, as if_then_else requires; a let in a branch would be
      // hoisted before the statement and evaluated eagerly, so it is refused
      String c = expr(n.args().get(0));
      int lets = pendingLets.size();
      String t = expr(n.args().get(1));
      String f = expr(n.args().get(2));
      if (pendingLets.size() != lets) throw unsupported("a let inside a branch of if_then_else");
      return "(" + c + " ? " + t + " : " + f + ")";
    }
    List<String> args = n.args().stream().map(this::expr).toList();
    if (Intrinsics.UNARY_MATH.contains(n.op()) || Intrinsics.BINARY_MATH.contains(n.op())
        || n.op().equals(Intrinsics.POPCOUNT)) {
      return mathCall(n.op(), args, n.dtype());
    }
    throw unsupported("call of '" + n.op() + "'; supported intrinsics are " + Intrinsics.UNARY_MATH + " and "
        + Intrinsics.BINARY_MATH);
  }

  private String binary(BinaryExpr n) {
    String a = expr(n.a());
    String b = expr(n.b());
    DType t = n.a().dtype();
    return switch (n) {
      case Add x -> infix(a, "+", b);
      case Sub x -> infix(a, "-", b);
      case Mul x -> infix(a, "*", b);
      case Div x -> infix(a, "/", b);
      case Mod x -> t.isFloat() ? mathCall("fmod", List.of(a, b), t) : infix(a, "%", b);
      // C's / and % truncate: they are floor division and modulo when both operands are non-negative
      case FloorDiv x when !t.isFloat() && nonNegative(n.a()) && positive(n.b()) -> infix(a, "/", b);
      case FloorMod x when !t.isFloat() && nonNegative(n.a()) && positive(n.b()) -> infix(a, "%", b);
      case FloorDiv x -> t.isFloat() ? mathCall("floor", List.of(infix(a, "/", b)), t)
          : "(" + infix(a, "/", b) + " - ((" + infix(a, "%", b) + " != 0) && ((" + a + " < 0) != (" + b + " < 0))))";
      case FloorMod x -> t.isFloat() ? infix(a, "-", infix(mathCall("floor", List.of(infix(a, "/", b)), t), "*", b))
          : "(" + infix(infix(a, "%", b), "+", "(((" + infix(a, "%", b) + " != 0) && ((" + a + " < 0) != (" + b
              + " < 0))) ? " + b + " : 0)") + ")";
      case Min x -> minMax(true, a, b, t);
      case Max x -> minMax(false, a, b, t);
      case EQ x -> infix(a, "==", b);
      case NE x -> infix(a, "!=", b);
      case LT x -> infix(a, "<", b);
      case LE x -> infix(a, "<=", b);
      case GT x -> infix(a, ">", b);
      case GE x -> infix(a, ">=", b);
      case And x -> infix(a, "&&", b);
      case Or x -> infix(a, "||", b);
    };
  }

  private static String infix(String a, String op, String b) { return "(" + a + " " + op + " " + b + ")"; }

  /**
   * Whether integer {@code e} is provably >= 0: built by {@code + * / %}, min, max, floordiv and floormod from
   * non-negative constants, vars declared non-negative (shape vars) and the vars of loops that start at a
   * non-negative value (thread indices included).
   */
  private boolean nonNegative(Expr e) {
    return switch (e) {
      case IntImm n -> n.value() >= 0;
      case Var n -> n.isNonNegative() || nonNegativeVars.contains(n);
      case Cast n -> n.dtype().isIntegral() && n.value().dtype().isIntegral() && n.dtype().bits() >= n.value().dtype().bits()
          && nonNegative(n.value());
      case Add n -> nonNegative(n.a()) && nonNegative(n.b());
      case Mul n -> nonNegative(n.a()) && nonNegative(n.b());
      case Div n -> nonNegative(n.a()) && positive(n.b());
      case Mod n -> nonNegative(n.a()) && positive(n.b());
      case FloorDiv n -> nonNegative(n.a()) && positive(n.b());
      case FloorMod n -> positive(n.b());
      case Min n -> nonNegative(n.a()) && nonNegative(n.b());
      case Max n -> nonNegative(n.a()) || nonNegative(n.b());
      default -> false;
    };
  }

  private static boolean positive(Expr e) { return e instanceof IntImm n && n.value() > 0; }

  /**
   * Whether {@code name} may not name a var or buffer: a C keyword, or a function the generated code
   * calls (a buffer called {@code exp} would hide {@code exp()}). Dialects add their built-ins.
   */
  protected boolean isReserved(String name) {
    return RESERVED.contains(name) || Intrinsics.UNARY_MATH.contains(name) || Intrinsics.BINARY_MATH.contains(name)
        || name.endsWith("f") && (Intrinsics.UNARY_MATH.contains(name.substring(0, name.length() - 1))
            || Intrinsics.BINARY_MATH.contains(name.substring(0, name.length() - 1)));
  }

  /** A C identifier for a var or buffer, unique within this printer and never a keyword. */
  @Override
  protected String nameOf(Object node) {
    return cNames.computeIfAbsent(node, k -> {
      String hint = k instanceof Var v ? v.name() : ((Buffer) k).name();
      String base = hint.replaceAll("[^A-Za-z0-9_]", "_");
      if (base.isEmpty() || Character.isDigit(base.charAt(0)) || isReserved(base)) base = "v_" + base;
      String name = base;
      for (int i = 1; !usedNames.add(name); i++) name = base + "_" + i;
      return name;
    });
  }

  /** A {@link CompileException} for a construct this dialect cannot print. */
  protected static CompileException unsupported(String what) {
    return new CompileException(ErrorCode.UNSUPPORTED, Span.NONE, "C source codegen does not support " + what);
  }
}
