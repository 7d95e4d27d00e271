// A `.vue` import's type for plain TypeScript tooling (typescript-eslint), which cannot read a
// single-file component; vue-tsc and Vite resolve the component itself and never use this.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
