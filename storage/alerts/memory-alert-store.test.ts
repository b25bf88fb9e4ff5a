import { alertStoreContract } from '../../rules/alerts/store.contract.ts';
import { MemoryAlertStore } from './memory-alert-store.ts';

alertStoreContract('memory', () => {
  const store = new MemoryAlertStore();
  return { store, cleanup: () => store.close() };
});
