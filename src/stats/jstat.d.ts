/**
 * Minimal typing for jstat (ships no types): only what ktrim uses.
 * Import as `import jstat from 'jstat'; jstat.jStat.studentt.inv(p, dof)`.
 */
declare module 'jstat' {
  interface StudentT {
    /** Quantile (inverse CDF) of Student's t with `dof` degrees of freedom. */
    inv(p: number, dof: number): number;
    cdf(x: number, dof: number): number;
    pdf(x: number, dof: number): number;
  }
  interface JStatStatic {
    studentt: StudentT;
  }
  const jstat: { jStat: JStatStatic } & JStatStatic;
  export default jstat;
}
