// Sum of N unsigned IW-bit values as a balanced adder tree (log2(N) levels of small adders): a for-loop
// accumulation would synthesise into an N-deep chain. With IW = 1 it is a population count.
module zv_sum_tree #(
    parameter int N  = 8,  // values; a power of two >= 1
    parameter int IW = 1,  // bits per value
    parameter int OW = 4   // bits of the sum; the caller makes it wide enough
) (
    input  logic [N*IW-1:0] values,
    output logic [    OW-1:0] sum
);
  localparam int L = $clog2(N);
  // level[k] holds N >> k partial sums of OW bits each.
  logic [N*OW-1:0] level[L+1]  /*verilator split_var*/;
  for (genvar i = 0; i < N; i++) begin : g_leaf
    assign level[0][i*OW+:OW] = OW'(values[i*IW+:IW]);
  end
  for (genvar k = 1; k <= L; k++) begin : g_lvl
    for (genvar i = 0; i < (N >> k); i++) begin : g_sum
      assign level[k][i*OW+:OW] = level[k-1][(2*i)*OW+:OW] + level[k-1][(2*i+1)*OW+:OW];
    end
    assign level[k][N*OW-1:(N>>k)*OW] = '0;
  end
  assign sum = level[L][OW-1:0];
endmodule
