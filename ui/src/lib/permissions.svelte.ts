// What the signed-in person may do, as the core answers it (`permissions`). The UI only
// uses this to choose what to offer; the core checks every call again. No role logic here:
// which role holds which permission is the core's business alone.
import { backend } from './backend';
import type { Permission } from './bindings/Permission';

/** The tabs of the Administration screen, each offered to those holding its permission. */
export type AdminTab = 'staff' | 'rotation' | 'access' | 'backups' | 'retention' | 'import' | 'computers';

export const ADMIN_TABS: readonly { tab: AdminTab; needs: Permission }[] = [
  { tab: 'staff', needs: 'manage_staff' },
  { tab: 'rotation', needs: 'rotate_key' },
  { tab: 'access', needs: 'read_access_log' },
  { tab: 'backups', needs: 'backup' },
  { tab: 'retention', needs: 'purge' },
  // Importing records needs the administrator role (the core checks it); managing staff is
  // the administrator's alone too.
  { tab: 'import', needs: 'manage_staff' },
  // The centre's several computers: adding, joining and removing them.
  { tab: 'computers', needs: 'enrol_peers' },
];

class Permissions {
  held = $state<Permission[]>([]);

  async load(): Promise<void> {
    this.held = await backend().permissions();
  }

  has(p: Permission): boolean {
    return this.held.includes(p);
  }

  /** The Administration tabs this person may open, in order (empty: no Administration). */
  adminTabs(): AdminTab[] {
    return ADMIN_TABS.filter((t) => this.has(t.needs)).map((t) => t.tab);
  }

  clear(): void {
    this.held = [];
  }
}

export const permissions = new Permissions();
