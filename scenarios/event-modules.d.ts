// The build turns `import event from './x.yaml'` into the event loaded and validated by loadEvent.
declare module '*.yaml' {
  const event: import('../lib/event/types.ts').LoadedEvent;
  export default event;
}
