import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { IndexesReady } from './indexes-ready';

export const DEFAULT_DATABASE_NAME = 'video_call';

/** The database name: the URI's path when it names one, else `video_call`. */
export function databaseName(uri: string): string {
  const path = new URL(uri.replace(/^mongodb\+srv:/, 'mongodb:')).pathname.replace(/^\//, '');
  return decodeURIComponent(path) || DEFAULT_DATABASE_NAME;
}

@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (!config.database.uri) throw new Error('The database URI is resolved before the app is created');
        return {
          uri: config.database.uri,
          dbName: databaseName(config.database.uri),
          serverSelectionTimeoutMS: 5_000,
          connectTimeoutMS: 5_000,
          // A failed query should fail now, not wait in Mongoose's buffer until the database is back.
          bufferCommands: false,
        };
      },
    }),
  ],
  providers: [IndexesReady],
})
export class DatabaseModule {}
