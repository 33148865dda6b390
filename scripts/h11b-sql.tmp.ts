import 'tsconfig-paths/register';
import { readFileSync } from 'node:fs';
import { TypeOrmMonitoringRepository } from '../libs/persistence/src/typeorm-monitoring.repository';
import { MonitoringService } from '../libs/monitoring/src/monitoring.service';
const manifest = JSON.parse(readFileSync('/work/h11b/models/attrition/contract.json', 'utf8'));
const ds: any = { options: { type: 'postgres' }, query: async (text: string, params: unknown[]) => { console.log(text); console.error(JSON.stringify(params)); throw new Error('x'); } };
const service = new MonitoringService(new TypeOrmMonitoringRepository(ds, {} as any), { manifest } as any);
(service as any)[process.argv[2]]({}).catch(() => undefined);
