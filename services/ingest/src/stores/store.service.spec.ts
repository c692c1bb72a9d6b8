import { NotFoundException } from '@nestjs/common';
import { mock, type MockProxy } from 'jest-mock-extended';
import { CameraRepository, StoreRepository, type Camera, type Store } from '@storelens/db';
import { StoreService } from './store.service';

// Unit tier: the repositories are strict mocks; the real ones are exercised by api.spec.ts.
describe('StoreService', () => {
  let stores: MockProxy<StoreRepository>;
  let cameras: MockProxy<CameraRepository>;
  let service: StoreService;
  const store = { id: 's1', tenantId: 't1', name: 'Berlin' } as Store;
  const camera = { id: 'c1', tenantId: 't1', storeId: 's1', name: 'door' } as Camera;

  beforeEach(() => {
    stores = mock<StoreRepository>();
    cameras = mock<CameraRepository>();
    service = new StoreService(stores, cameras);
  });

  it('adds a camera only to a store of the tenant', async () => {
    stores.get.calledWith('t1', 's1').mockResolvedValue(store);
    cameras.create.mockResolvedValue(camera);
    await expect(service.createCamera('t1', 's1', { name: 'door', role: 'entrance', fps: 1 })).resolves.toBe(camera);
    expect(cameras.create).toHaveBeenCalledWith('t1', { storeId: 's1', name: 'door', role: 'entrance', fps: 1 });

    stores.get.calledWith('t2', 's1').mockResolvedValue(null);
    await expect(service.createCamera('t2', 's1', { name: 'x', role: 'other', fps: 1 })).rejects.toThrow(
      new NotFoundException('store not found'),
    );
    expect(cameras.create).toHaveBeenCalledTimes(1);
  });

  it('lists cameras of a known store, and answers 404 for another tenant’s store', async () => {
    stores.get.calledWith('t1', 's1').mockResolvedValue(store);
    cameras.listByStore.calledWith('t1', 's1').mockResolvedValue([camera]);
    await expect(service.listCameras('t1', 's1')).resolves.toEqual([camera]);
    stores.get.calledWith('t2', 's1').mockResolvedValue(null);
    await expect(service.listCameras('t2', 's1')).rejects.toBeInstanceOf(NotFoundException);
    expect(cameras.listByStore).toHaveBeenCalledTimes(1);
  });

  it('finds a camera by tenant, or answers 404 naming the camera', async () => {
    cameras.get.calledWith('t1', 'c1').mockResolvedValue(camera);
    await expect(service.camera('t1', 'c1')).resolves.toBe(camera);
    cameras.get.calledWith('t2', 'c1').mockResolvedValue(null);
    await expect(service.camera('t2', 'c1')).rejects.toThrow('camera not found');
  });
});
