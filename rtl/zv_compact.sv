// Bubble-collapsing shifter: packs the non-zero W-bit elements of a vector to its low end, in order; positions
// past `count` are zero (the append stages rely on that to OR chunks together).
module zv_compact #(
    parameter int N = 32,
    parameter int W = 32
) (
    input  logic [        N*W-1:0] in_data,
    output logic [          N-1:0] nz,        // bitwise != 0 per element (so -0.0 is non-zero)
    output logic [        N*W-1:0] out_data,
    output logic [$clog2(N+1)-1:0] count
);
  localparam int L = $clog2(N);
  logic [L*N-1:0] sel_hi, sel_keep;

  for (genvar i = 0; i < N; i++) begin : g_nz
    assign nz[i] = |in_data[i*W+:W];
  end

  zv_route #(.N(N)) u_route (.keep(nz), .sel_hi(sel_hi), .sel_keep(sel_keep), .count(count));

  logic [N*W-1:0] x[L+1]  /*verilator split_var*/;
  assign x[0] = in_data;
  for (genvar k = 0; k < L; k++) begin : g_st
    for (genvar q = 0; q < N; q++) begin : g_q
      if (q + (1 << k) < N) begin : g_hi
        assign x[k+1][q*W+:W] = sel_hi[k*N+q] ? x[k][(q+(1<<k))*W+:W] : (sel_keep[k*N+q] ? x[k][q*W+:W] : '0);
      end else begin : g_own
        assign x[k+1][q*W+:W] = sel_keep[k*N+q] ? x[k][q*W+:W] : '0;
      end
    end
  end
  assign out_data = x[L];
endmodule
